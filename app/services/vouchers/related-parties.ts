import { sql, type Kysely } from "kysely";
import { z } from "zod";
import { RELATIONS, type DB, type Relation } from "../../../db/schema";
import type { Rejected } from "../accounts/types";
import { violatedConstraint } from "../checkout/errors";
import type { Actor } from "./programmes";
import { fieldErrorsFrom, formError, idField, idFrom } from "./validation";

// 关联关系, a fraud control: vouchers may not pay for a purchase between an enterprise and an institution that are
// related (a spin-off, a shareholding, people on both sides). The bureau records such pairs; the voucher part of a
// purchase between them is refused (vouchers/voucher-part.ts). To help find pairs nobody declared, voucher-paid
// orders are checked for tell-tale overlaps: a result's inventor who is the buyer's contact, one phone number on both
// sides, one company mail domain on both sides. Those are only suspicions: the bureau looks and records what it found,
// relation "none" (with why) for a pair that turned out unrelated, which then is suspected no more.

export type RelatedPartyField = "enterpriseId" | "institutionId" | "relation" | "note";

const recordSchema = z.object({
  enterpriseId: idField("vouchers.related.error.enterprise"),
  institutionId: idField("vouchers.related.error.institution"),
  relation: z.enum(RELATIONS, { error: "vouchers.related.error.relation" }),
  note: z
    .string()
    .optional()
    .transform((v) => v?.trim() || null)
    .refine((v) => v === null || v.length <= 200, "vouchers.error.tooLong"),
}).refine((v) => v.relation !== "none" || v.note !== null, { path: ["note"], message: "vouchers.related.error.noteForNone" });

/**
 * Records that an enterprise and an institution are related. Refused, with nothing written, when either side is not
 * of its kind or the pair is already recorded. Orders already placed are not touched: the list shows the pair's
 * voucher-paid orders, and revoking the voucher cancels any still pending.
 */
export async function recordRelatedParty(
  db: Kysely<DB>,
  actor: Actor,
  input: Partial<Record<RelatedPartyField, unknown>>,
  now: Date = new Date(),
): Promise<{ ok: true; id: number } | Rejected<RelatedPartyField>> {
  const parsed = recordSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsFrom<RelatedPartyField>(parsed.error) };
  const { enterpriseId, institutionId, relation, note } = parsed.data;
  const kinds = await db.selectFrom("organisations").select(["id", "kind"]).where("id", "in", [enterpriseId, institutionId]).execute();
  const kindOf = (id: number) => kinds.find((k) => k.id === id)?.kind;
  const fieldErrors: Rejected<RelatedPartyField>["fieldErrors"] = {};
  if (kindOf(enterpriseId) !== "enterprise") fieldErrors.enterpriseId = "vouchers.related.error.enterprise";
  if (kindOf(institutionId) !== "institution") fieldErrors.institutionId = "vouchers.related.error.institution";
  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };

  try {
    return await db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto("related_parties")
        .values({ enterprise_id: enterpriseId, institution_id: institutionId, relation, note, recorded_by: actor.userId, recorded_at: now })
        .returning("id")
        .executeTakeFirstOrThrow();
      await trx
        .insertInto("audit_log")
        .values({
          actor_user_id: actor.userId,
          action: "related_party.record",
          subject_type: "related_party",
          subject_id: String(row.id),
          detail: { enterpriseId, institutionId, relation, note },
        })
        .execute();
      return { ok: true as const, id: row.id };
    });
  } catch (error) {
    if (violatedConstraint(error)?.constraint === "related_parties_pair_key") return formError("vouchers.related.error.duplicate");
    throw error;
  }
}

/** Removes a recorded pair (recorded in error, or things have changed); the audit log keeps what it was. */
export async function removeRelatedParty(db: Kysely<DB>, actor: Actor, input: { id: unknown }): Promise<{ ok: true } | Rejected<never>> {
  const id = idFrom(input.id);
  if (id === null) return formError("vouchers.related.error.notFound");
  return db.transaction().execute(async (trx) => {
    const removed = await trx.deleteFrom("related_parties").where("id", "=", id).returningAll().executeTakeFirst();
    if (!removed) return formError("vouchers.related.error.notFound");
    await trx
      .insertInto("audit_log")
      .values({
        actor_user_id: actor.userId,
        action: "related_party.remove",
        subject_type: "related_party",
        subject_id: String(id),
        detail: {
          enterpriseId: removed.enterprise_id,
          institutionId: removed.institution_id,
          relation: removed.relation,
          note: removed.note,
          recordedAt: removed.recorded_at.toISOString(),
        },
      })
      .execute();
    return { ok: true as const };
  });
}

/** The voucher-paid orders between a pair: completed (money redeemed) and pending (money held). */
export interface PairVoucherOrders {
  completedOrders: number;
  completedVoucherFen: number;
  pendingOrders: number;
}

export interface RelatedPartyRecord extends PairVoucherOrders {
  id: number;
  enterpriseId: number;
  enterpriseName: string;
  institutionId: number;
  institutionName: string;
  relation: Relation;
  note: string | null;
  recordedBy: string;
  recordedAt: Date;
}

const VOUCHER_ORDER_STATUSES = ["pending", "completed"] as const;

function pairOrders(rows: { status: string; n: number; fen: number }[]): PairVoucherOrders {
  const completed = rows.find((r) => r.status === "completed");
  return { completedOrders: completed?.n ?? 0, completedVoucherFen: completed?.fen ?? 0, pendingOrders: rows.find((r) => r.status === "pending")?.n ?? 0 };
}

async function voucherOrdersByPair(db: Kysely<DB>, pairs: { enterpriseId: number; institutionId: number }[]) {
  const byPair = new Map<string, { status: string; n: number; fen: number }[]>();
  if (pairs.length === 0) return byPair;
  const rows = await db
    .selectFrom("orders")
    .select(["buyer_organisation_id", "seller_organisation_id", "status"])
    .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.sum<number>("voucher_part_fen").as("fen")])
    .where("voucher_part_fen", ">", 0)
    .where("status", "in", VOUCHER_ORDER_STATUSES)
    .where((eb) => eb.or(pairs.map((p) => eb.and([eb("buyer_organisation_id", "=", p.enterpriseId), eb("seller_organisation_id", "=", p.institutionId)]))))
    .groupBy(["buyer_organisation_id", "seller_organisation_id", "status"])
    .execute();
  for (const r of rows) {
    const key = `${r.buyer_organisation_id}:${r.seller_organisation_id}`;
    byPair.set(key, [...(byPair.get(key) ?? []), { status: r.status, n: Number(r.n), fen: Number(r.fen) }]);
  }
  return byPair;
}

/** Every recorded pair (related, or found unrelated), newest first, with the voucher-paid orders between them. */
export async function listRelatedParties(db: Kysely<DB>): Promise<RelatedPartyRecord[]> {
  const rows = await db
    .selectFrom("related_parties as rp")
    .innerJoin("organisations as e", "e.id", "rp.enterprise_id")
    .innerJoin("organisations as i", "i.id", "rp.institution_id")
    .innerJoin("users as u", "u.id", "rp.recorded_by")
    .select(["rp.id", "rp.enterprise_id", "e.name as enterprise_name", "rp.institution_id", "i.name as institution_name", "rp.relation", "rp.note", "u.display_name", "rp.recorded_at"])
    .orderBy("rp.recorded_at", "desc")
    .orderBy("rp.id", "desc")
    .execute();
  const orders = await voucherOrdersByPair(db, rows.map((r) => ({ enterpriseId: r.enterprise_id, institutionId: r.institution_id })));
  return rows.map((r) => ({
    id: r.id,
    enterpriseId: r.enterprise_id,
    enterpriseName: r.enterprise_name,
    institutionId: r.institution_id,
    institutionName: r.institution_name,
    relation: r.relation,
    note: r.note,
    recordedBy: r.display_name,
    recordedAt: r.recorded_at,
    ...pairOrders(orders.get(`${r.enterprise_id}:${r.institution_id}`) ?? []),
  }));
}

export type RelationSignal = "inventor" | "phone" | "mail_domain";

export interface SuspectedRelation extends PairVoucherOrders {
  enterpriseId: number;
  enterpriseName: string;
  institutionId: number;
  institutionName: string;
  /** what the two sides share: an inventor's name, a phone number, a mail domain */
  signals: { signal: RelationSignal; value: string }[];
}

/**
 * Free mail services: a shared address there says nothing about who works where (nor do the reserved test domains, nor
 * a domain the logins of more than two organisations use: that is a mail host, not one company's own).
 */
export const PUBLIC_MAIL_DOMAINS = [
  "qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com", "sina.cn", "sohu.com", "139.com", "189.cn",
  "aliyun.com", "tom.com", "gmail.com", "outlook.com", "hotmail.com", "live.com", "icloud.com", "yahoo.com",
];

/** The suspected pairs (see suspectedRelatedParties), keyed "enterprise:institution", with what each pair shares. */
export async function suspectedPairSignals(
  db: Kysely<DB>,
): Promise<Map<string, { enterpriseId: number; institutionId: number; signals: SuspectedRelation["signals"] }>> {
  const { rows } = await sql<{ enterprise_id: number; institution_id: number; signal: RelationSignal; value: string }>`
    with pairs as (
      select distinct o.buyer_organisation_id as e, o.seller_organisation_id as i, o.result_id as r
        from orders o
       where o.voucher_part_fen > 0 and o.status in ('pending', 'completed')
         and not exists (select 1 from related_parties rp
                          where rp.enterprise_id = o.buyer_organisation_id and rp.institution_id = o.seller_organisation_id)
    ), buyer_names as (
      select a.enterprise_id as e, btrim(a.contact_name) as name from voucher_applications a
      union select u.organisation_id, btrim(u.display_name) from users u
    ), buyer_phones as (
      select a.enterprise_id as e, regexp_replace(a.contact_phone, '[^0-9]', '', 'g') as phone from voucher_applications a
    ), domains as (
      select organisation_id as org, lower(split_part(email, '@', 2)) as domain from users
    ), own_domains as (
      select domain from domains group by domain having count(distinct org) <= 2
    )
    select distinct p.e as enterprise_id, p.i as institution_id, 'inventor' as signal, n.name as value
      from pairs p
      join technology_results r on r.id = p.r
      cross join lateral unnest(r.inventors) as inventor(name)
      join buyer_names n on n.e = p.e and n.name = btrim(inventor.name)
    union
    select distinct p.e, p.i, 'phone', r.contact_phone
      from pairs p
      join technology_results r on r.id = p.r
      join buyer_phones b on b.e = p.e and b.phone = regexp_replace(r.contact_phone, '[^0-9]', '', 'g')
     where length(regexp_replace(r.contact_phone, '[^0-9]', '', 'g')) >= 7
    union
    select distinct p.e, p.i, 'mail_domain', d.domain
      from pairs p
      join technology_results r on r.id = p.r
      join domains d on d.org = p.e
     where d.domain in (select domain from own_domains)
       and d.domain <> all (${sql.val(PUBLIC_MAIL_DOMAINS)}::text[])
       and d.domain !~ '(^|[.])(invalid|test|example|localhost)$' and d.domain !~ '^example[.](com|net|org)$'
       and (exists (select 1 from domains s where s.org = p.i and s.domain = d.domain)
            or lower(split_part(r.contact_email, '@', 2)) = d.domain)
     order by 1, 2, 3, 4`.execute(db);
  const found = new Map<string, { enterpriseId: number; institutionId: number; signals: SuspectedRelation["signals"] }>();
  for (const r of rows) {
    const key = `${r.enterprise_id}:${r.institution_id}`;
    const entry = found.get(key) ?? { enterpriseId: r.enterprise_id, institutionId: r.institution_id, signals: [] };
    entry.signals.push({ signal: r.signal, value: r.value });
    found.set(key, entry);
  }
  return found;
}

/**
 * Pairs with voucher-paid orders (pending or completed) that the bureau has not recorded either way, but whose two sides
 * share an inventor's name with the buyer's contacts, a phone number or a company mail domain (the buyer's logins and
 * the seller's logins or the result's contact address). At most `limit` pairs, those with the most voucher money first.
 */
export async function suspectedRelatedParties(db: Kysely<DB>, limit = 100): Promise<SuspectedRelation[]> {
  const pairs = [...(await suspectedPairSignals(db)).values()];
  if (pairs.length === 0) return [];
  const [names, orders] = await Promise.all([
    db.selectFrom("organisations").select(["id", "name"]).where("id", "in", pairs.flatMap((p) => [p.enterpriseId, p.institutionId])).execute(),
    voucherOrdersByPair(db, pairs),
  ]);
  const nameOf = (id: number) => names.find((n) => n.id === id)?.name ?? String(id);
  return pairs
    .map((p) => ({
      ...p,
      enterpriseName: nameOf(p.enterpriseId),
      institutionName: nameOf(p.institutionId),
      ...pairOrders(orders.get(`${p.enterpriseId}:${p.institutionId}`) ?? []),
    }))
    .sort((a, b) => b.completedVoucherFen - a.completedVoucherFen || a.enterpriseId - b.enterpriseId || a.institutionId - b.institutionId)
    .slice(0, limit);
}

/** The two lists the record form chooses from: enterprises that applied for a voucher, and the institutions. */
export async function relatedPartyChoices(db: Kysely<DB>): Promise<{ enterprises: { id: number; name: string }[]; institutions: { id: number; name: string }[] }> {
  const [enterprises, institutions] = await Promise.all([
    db
      .selectFrom("organisations as o")
      .select(["o.id", "o.name"])
      .where("o.kind", "=", "enterprise")
      .where((eb) => eb.exists(eb.selectFrom("voucher_applications as a").select("a.id").whereRef("a.enterprise_id", "=", "o.id")))
      .orderBy("o.name")
      .execute(),
    db.selectFrom("organisations").select(["id", "name"]).where("kind", "=", "institution").orderBy("name").execute(),
  ]);
  return { enterprises, institutions };
}
