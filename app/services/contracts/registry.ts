import { sql, type Kysely, type Transaction } from "kysely";
import type {
  Contract,
  ContractSource,
  ContractStatus,
  ContractType,
  DB,
  FieldCode,
  SellerType,
} from "../../../db/schema";
import { hasMessage, translator } from "../../i18n";
import { MAX_VOID_REASON, validateValues, type ContractValues, type Problem } from "./validation";

/** Input refused: nothing was written. `problems` name the fields (see validation.ts for the codes). */
export class ContractRejectedError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`contract refused: ${problems.map((p) => `${p.column ?? "contract"} ${p.code}`).join(", ")}`);
    this.name = "ContractRejectedError";
  }
}

export class ContractNotFoundError extends Error {
  constructor(readonly contractId: number) {
    super(`contract ${contractId} not found`);
    this.name = "ContractNotFoundError";
  }
}

export type VoidProblem = "reasonRequired" | "reasonTooLong" | "alreadyVoided";

export class VoidRejectedError extends Error {
  constructor(readonly problem: VoidProblem) {
    super(`void refused: ${problem}`);
    this.name = "VoidRejectedError";
  }
}

type Executor = Kysely<DB> | Transaction<DB>;

/** Runs `fn` in the caller's transaction when there is one, else in a new one. */
export function inTransaction<T>(db: Executor, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

/**
 * What `registerContract` needs. For a platform contract (source "platform") pass the order and the two
 * organisations: the seller's and buyer's names, the seller type and the buyer region are then taken from the
 * organisations unless given, and the contract number defaults to `PLT-<orderId>`. Manual and imported contracts name
 * the parties as text and carry their own contract number.
 */
export interface RegisterContractInput {
  source: ContractSource;
  contractNo?: string;
  /** 'YYYY-MM-DD', a real day, not in the future */
  signedOn: string;
  type: ContractType;
  field: FieldCode;
  /** contract value (成交额), integer fen ≥ 0 */
  amountFen: number;
  /** certified technical income (技术交易额), integer fen, 0 ≤ technical income ≤ amount */
  technicalIncomeFen: number;
  seller?: string;
  sellerType?: SellerType;
  sellerOrganisationId?: number | null;
  buyer?: string;
  buyerRegion?: string;
  buyerOrganisationId?: number | null;
  /** required for source "platform", absent otherwise; one contract per order */
  orderId?: number | null;
  /** the user registering (a bureau user; for platform contracts whoever completed the order, or null) */
  registeredBy?: number | null;
  /** back-dates the registration (seed history only); the certificate's year follows it. Defaults to now. */
  registeredAt?: Date;
}

/** Chinese name of an organisation's region code (see accounts/regions.ts), or the code when it has none. */
export function regionLabel(code: string | null): string {
  if (!code) return "";
  const key = `region.${code}`;
  return hasMessage(key) ? translator("zh-CN")(key) : code;
}

function sellerTypeOf(org: { kind: string; institution_type: string | null }): SellerType {
  if (org.kind === "institution" && (org.institution_type === "university" || org.institution_type === "institute"))
    return org.institution_type;
  return org.kind === "enterprise" ? "enterprise" : "other";
}

/** The insert, with a unique violation (a registration racing this one) reported like the pre-check reports it. */
async function insertContract(contractNo: string, orderId: number | null, insert: () => Promise<Contract>): Promise<Contract> {
  try {
    return await insert();
  } catch (error) {
    const e = error as { code?: unknown; constraint_name?: unknown; message?: unknown };
    if (e.code !== "23505") throw error;
    const onOrder = String(e.constraint_name ?? e.message ?? "").includes("order_id");
    throw new ContractRejectedError([
      onOrder
        ? { column: null, code: "orderAlreadyRegistered", params: { value: String(orderId) } }
        : { column: "contract_no", code: "alreadyRegistered", params: { value: contractNo } },
    ]);
  }
}

/**
 * Registers one technology contract and assigns its certificate number; the turnover rollups change in the same
 * transaction (database triggers). Pass the caller's transaction (`trx`) to make the registration part of it — the
 * checkout calls this inside the transaction that completes an order, so a failed completion registers nothing.
 *
 * Throws ContractRejectedError (nothing written) when a value breaks a rule, the contract number is taken or the
 * order already has a contract. A manual registration is written to the audit log.
 */
export async function registerContract(db: Executor, input: RegisterContractInput): Promise<Contract> {
  return inTransaction(db, async (trx) => {
    const problems: Problem[] = [];
    const org = async (id: number | null | undefined, column: "seller" | "buyer") => {
      if (id === null || id === undefined) return null;
      const found = await trx
        .selectFrom("organisations")
        .select(["id", "kind", "institution_type", "name", "region"])
        .where("id", "=", id)
        .executeTakeFirst();
      if (!found) problems.push({ column, code: "unknownOrganisation", params: { value: id } });
      return found ?? null;
    };
    const sellerOrg = await org(input.sellerOrganisationId, "seller");
    const buyerOrg = await org(input.buyerOrganisationId, "buyer");

    const isPlatform = input.source === "platform";
    const orderId = input.orderId ?? null;
    if (isPlatform !== (orderId !== null)) problems.push({ column: null, code: "orderMismatch" });

    const values: ContractValues = {
      contractNo: (input.contractNo ?? (isPlatform && orderId !== null ? `PLT-${orderId}` : "")).trim(),
      signedOn: input.signedOn,
      type: input.type,
      field: input.field,
      seller: (input.seller ?? sellerOrg?.name ?? "").trim(),
      sellerType: input.sellerType ?? (sellerOrg ? sellerTypeOf(sellerOrg) : ("" as SellerType)),
      buyer: (input.buyer ?? buyerOrg?.name ?? "").trim(),
      buyerRegion: (input.buyerRegion ?? regionLabel(buyerOrg?.region ?? null)).trim(),
      amountFen: input.amountFen,
      technicalIncomeFen: input.technicalIncomeFen,
    };
    problems.push(...validateValues(values));

    if (values.contractNo !== "") {
      const taken = await trx.selectFrom("contracts").select("id").where("contract_no", "=", values.contractNo).executeTakeFirst();
      if (taken) problems.push({ column: "contract_no", code: "alreadyRegistered", params: { value: values.contractNo } });
    }
    if (orderId !== null) {
      const ordered = await trx.selectFrom("contracts").select("id").where("order_id", "=", orderId).executeTakeFirst();
      if (ordered) problems.push({ column: null, code: "orderAlreadyRegistered", params: { value: String(orderId) } });
    }
    if (problems.length > 0) throw new ContractRejectedError(problems);

    const contract = await insertContract(values.contractNo, orderId, () =>
      trx
        .insertInto("contracts")
        .values({
          contract_no: values.contractNo,
          signed_on: values.signedOn,
          type: values.type,
          field: values.field,
          seller: values.seller,
          seller_type: values.sellerType,
          seller_organisation_id: sellerOrg?.id ?? null,
          buyer: values.buyer,
          buyer_organisation_id: buyerOrg?.id ?? null,
          buyer_region: values.buyerRegion,
          amount_fen: values.amountFen,
          technical_income_fen: values.technicalIncomeFen,
          source: input.source,
          order_id: orderId,
          registered_by: input.registeredBy ?? null,
          ...(input.registeredAt ? { registered_at: input.registeredAt } : {}),
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );

    if (input.source === "manual") {
      await trx
        .insertInto("audit_log")
        .values({
          actor_user_id: input.registeredBy ?? null,
          action: "contract.register",
          subject_type: "contract",
          subject_id: String(contract.id),
          detail: { contract_no: contract.contract_no, certificate_no: contract.certificate_no },
        })
        .execute();
    }
    return contract;
  });
}

/**
 * Voids a registered contract with a reason (required). The rollups drop it in the same transaction and the audit log
 * records who voided it and why. Throws ContractNotFoundError or VoidRejectedError; the refund flow of the checkout
 * calls it with its own transaction.
 */
export async function voidContract(
  db: Executor,
  input: { contractId: number; reason: string; actorUserId: number | null; at?: Date },
): Promise<Contract> {
  const reason = input.reason.trim();
  if (reason === "") throw new VoidRejectedError("reasonRequired");
  if ([...reason].length > MAX_VOID_REASON) throw new VoidRejectedError("reasonTooLong");
  return inTransaction(db, async (trx) => {
    const current = await trx.selectFrom("contracts").selectAll().where("id", "=", input.contractId).forUpdate().executeTakeFirst();
    if (!current) throw new ContractNotFoundError(input.contractId);
    if (current.status === "voided") throw new VoidRejectedError("alreadyVoided");
    const voided = await trx
      .updateTable("contracts")
      .set({ status: "voided", void_reason: reason, voided_by: input.actorUserId, voided_at: input.at ?? sql<Date>`now()` })
      .where("id", "=", input.contractId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("audit_log")
      .values({
        actor_user_id: input.actorUserId,
        action: "contract.void",
        subject_type: "contract",
        subject_id: String(current.id),
        detail: {
          contract_no: current.contract_no,
          certificate_no: current.certificate_no,
          reason,
          amount_fen: current.amount_fen,
          technical_income_fen: current.technical_income_fen,
        },
      })
      .execute();
    return voided;
  });
}

export async function getContract(db: Executor, id: number): Promise<Contract | undefined> {
  return db.selectFrom("contracts").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function findContractByOrder(db: Executor, orderId: number): Promise<Contract | undefined> {
  return db.selectFrom("contracts").selectAll().where("order_id", "=", orderId).executeTakeFirst();
}

export interface VoidRecord {
  at: Date;
  actor: string | null;
  reason: string;
}

/** The audit trail of a contract's void (who, when, why), if it was voided. */
export async function contractVoidRecord(db: Executor, id: number): Promise<VoidRecord | undefined> {
  const row = await db
    .selectFrom("audit_log")
    .leftJoin("users", "users.id", "audit_log.actor_user_id")
    .select(["audit_log.created_at", "users.display_name", "audit_log.detail"])
    .where("audit_log.subject_type", "=", "contract")
    .where("audit_log.subject_id", "=", String(id))
    .where("audit_log.action", "=", "contract.void")
    .orderBy("audit_log.id", "desc")
    .executeTakeFirst();
  if (!row) return undefined;
  return { at: row.created_at, actor: row.display_name, reason: String(row.detail.reason ?? "") };
}

export interface ContractFilters {
  /** contract or certificate number (prefix), or part of a party's name */
  q?: string;
  type?: ContractType;
  field?: FieldCode;
  sellerType?: SellerType;
  status?: ContractStatus;
  source?: ContractSource;
  /** signing dates, inclusive */
  from?: string;
  to?: string;
}

export type ContractListRow = Pick<
  Contract,
  | "id"
  | "contract_no"
  | "certificate_no"
  | "signed_on"
  | "type"
  | "field"
  | "seller"
  | "seller_type"
  | "buyer"
  | "buyer_region"
  | "amount_fen"
  | "technical_income_fen"
  | "source"
  | "status"
>;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A page of the registry, newest signing date first, with the number of matching contracts. */
export async function listContracts(
  db: Executor,
  filters: ContractFilters,
  page: { page: number; perPage: number },
): Promise<{ rows: ContractListRow[]; total: number }> {
  let query = db.selectFrom("contracts");
  const q = filters.q?.trim();
  if (q) {
    const prefix = `${escapeLike(q)}%`;
    const part = `%${escapeLike(q)}%`;
    query = query.where((eb) =>
      eb.or([
        eb("contract_no", "like", prefix),
        eb("certificate_no", "like", prefix),
        eb("seller", "ilike", part),
        eb("buyer", "ilike", part),
      ]),
    );
  }
  if (filters.type) query = query.where("type", "=", filters.type);
  if (filters.field) query = query.where("field", "=", filters.field);
  if (filters.sellerType) query = query.where("seller_type", "=", filters.sellerType);
  if (filters.status) query = query.where("status", "=", filters.status);
  if (filters.source) query = query.where("source", "=", filters.source);
  if (filters.from) query = query.where("signed_on", ">=", filters.from);
  if (filters.to) query = query.where("signed_on", "<=", filters.to);

  const [rows, count] = await Promise.all([
    query
      .select([
        "id",
        "contract_no",
        "certificate_no",
        "signed_on",
        "type",
        "field",
        "seller",
        "seller_type",
        "buyer",
        "buyer_region",
        "amount_fen",
        "technical_income_fen",
        "source",
        "status",
      ])
      .orderBy("signed_on", "desc")
      .orderBy("id", "desc")
      .limit(page.perPage)
      .offset((page.page - 1) * page.perPage)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}
