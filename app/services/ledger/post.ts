import { sql, type Kysely } from "kysely";
import { LEDGER_TRANSACTION_KINDS, type DB, type LedgerTransactionKind } from "../../../db/schema";
import { ensureAccounts, specCode, type AccountSpec } from "./accounts";
import { IdempotencyConflictError, LedgerError, LedgerInputError, toLedgerError } from "./errors";

/**
 * One leg of a transaction: signed fen, debit positive and credit negative (see db/migrations/0004_ledger.ts). The
 * account is given by id, or by owner and purpose (found by its code in the same statement, created when missing).
 */
export type EntryInput = { accountId: number; amountFen: number } | { account: AccountSpec; amountFen: number };

/** What a transaction is about. Order and contract ids are plain ids (no foreign key); a missing link is null. */
export interface TransactionLinks {
  orderId?: number | null;
  contractId?: number | null;
  voucherId?: number | null;
  programmeId?: number | null;
  reimbursementBatchId?: number | null;
  stripeEventId?: string | null;
}

export interface PostTransactionInput {
  kind: LedgerTransactionKind;
  /** Unique per business event (derive it from our ids); a retry with the same key posts nothing twice. */
  idempotencyKey: string;
  entries: readonly EntryInput[];
  links?: TransactionLinks;
  memo?: string | null;
  effectiveAt?: Date;
}

export interface PostedEntry {
  accountId: number;
  amountFen: number;
  /** The account's balance right after this entry (its normal side's terms). */
  balanceAfterFen: number;
}

export interface PostedTransaction {
  id: number;
  kind: LedgerTransactionKind;
  idempotencyKey: string;
  reversesTransactionId: number | null;
  links: Required<TransactionLinks>;
  memo: string | null;
  effectiveAt: Date;
  createdAt: Date;
  entries: PostedEntry[];
  /** true when the key had been posted before and this call changed nothing */
  replayed: boolean;
}

const LINK_COLUMNS = {
  orderId: "order_id",
  contractId: "contract_id",
  voucherId: "voucher_id",
  programmeId: "programme_id",
  reimbursementBatchId: "reimbursement_batch_id",
  stripeEventId: "stripe_event_id",
} as const;
type LinkName = keyof typeof LINK_COLUMNS;
const LINK_NAMES = Object.keys(LINK_COLUMNS) as LinkName[];

function normaliseLinks(links: TransactionLinks | undefined): Required<TransactionLinks> {
  const out = {} as Record<LinkName, number | string | null>;
  for (const name of LINK_NAMES) {
    const value = links?.[name] ?? null;
    if (value !== null) {
      if (name === "stripeEventId") {
        if (typeof value !== "string" || value.trim() === "" || value.length > 255) {
          throw new LedgerInputError(`links.${name}`, "must be a non-empty string of at most 255 characters");
        }
      } else if (!Number.isSafeInteger(value) || (value as number) <= 0) {
        throw new LedgerInputError(`links.${name}`, `must be a positive id, got ${String(value)}`);
      }
    }
    out[name] = value;
  }
  return out as Required<TransactionLinks>;
}

function validate(input: PostTransactionInput, reversesTransactionId: number | null) {
  if (!(LEDGER_TRANSACTION_KINDS as readonly string[]).includes(input.kind)) {
    throw new LedgerInputError("kind", `unknown transaction kind "${String(input.kind)}"`);
  }
  if ((input.kind === "reversal") !== (reversesTransactionId !== null)) {
    throw new LedgerInputError("kind", "reversals are posted only by reverseTransaction");
  }
  const key = input.idempotencyKey;
  if (typeof key !== "string" || key.length === 0 || key.length > 200) {
    throw new LedgerInputError("idempotencyKey", "must be a string of 1 to 200 characters");
  }
  if (!Array.isArray(input.entries) || input.entries.length < 2) {
    throw new LedgerInputError("entries", "a transaction needs at least two entries");
  }
  const seen = new Set<string>();
  let sum = 0n;
  const entries = input.entries.map((e, i): ResolvedEntry => {
    let accountId: number | null = null;
    let code: string | null = null;
    let spec: AccountSpec | null = null;
    if ("account" in e) {
      spec = e.account;
      code = specCode(e.account);
    } else if (!Number.isSafeInteger(e.accountId) || e.accountId <= 0) {
      throw new LedgerInputError(`entries[${i}].accountId`, `must be a positive id, got ${String(e.accountId)}`);
    } else {
      accountId = e.accountId;
    }
    if (!Number.isSafeInteger(e.amountFen) || e.amountFen === 0) {
      throw new LedgerInputError(`entries[${i}].amountFen`, `must be a non-zero whole number of fen, got ${String(e.amountFen)}`);
    }
    const identity = code ?? `#${accountId}`;
    if (seen.has(identity)) {
      throw new LedgerInputError(`entries[${i}]`, `account ${identity} appears twice; net its amounts into one entry`);
    }
    seen.add(identity);
    sum += BigInt(e.amountFen);
    return { accountId, code, spec, amountFen: e.amountFen };
  });
  if (sum !== 0n) throw new LedgerInputError("entries", `amounts must sum to zero, they sum to ${sum} fen`);
  if (input.memo != null && (typeof input.memo !== "string" || input.memo.length > 500)) {
    throw new LedgerInputError("memo", "must be text of at most 500 characters");
  }
  return { entries, links: normaliseLinks(input.links) };
}

/**
 * Posts one balanced transaction. Idempotent by key: when the key was posted before with the same kind, links and
 * entries, the existing transaction comes back with `replayed: true` and nothing changes; with different content it
 * throws IdempotencyConflictError. The memo and effective time are descriptive and not compared.
 *
 * Runs in the caller's transaction when given one (so the posting commits or rolls back with the caller's other
 * writes); otherwise opens its own. The database checks the balance at commit and refuses overdrafts at once
 * (InsufficientFundsError).
 */
export function postTransaction(db: Kysely<DB>, input: PostTransactionInput): Promise<PostedTransaction> {
  return post(db, input, null);
}

interface ResolvedEntry {
  accountId: number | null;
  code: string | null;
  spec: AccountSpec | null;
  amountFen: number;
}

interface InsertedRow {
  id: number;
  effective_at: Date;
  created_at: Date;
  entries: { account_id: number; amount: number; balance_after: number }[] | null;
}

/**
 * One statement inserts the transaction and its entries (accounts given by code are resolved by a join), so a
 * posting costs one round trip. Entries go in sorted by account id: the entry trigger locks each account row as it
 * goes, so every posting takes its locks in the same order and two postings never wait on each other in a cycle.
 * On an idempotency-key conflict the transaction insert does nothing and neither do the entries.
 */
function insertStatement(
  input: PostTransactionInput,
  entries: ResolvedEntry[],
  links: Required<TransactionLinks>,
  reverses: number | null,
) {
  const values = sql.join(entries.map((e) => sql`(${e.code}::text, ${e.accountId}::bigint, ${e.amountFen}::bigint)`));
  return sql<InsertedRow>`
    with t as (
      insert into ledger_transactions (kind, idempotency_key, reverses_transaction_id, order_id, contract_id, voucher_id,
        programme_id, reimbursement_batch_id, stripe_event_id, memo, effective_at)
      values (${input.kind}, ${input.idempotencyKey}, ${reverses}, ${links.orderId}, ${links.contractId}, ${links.voucherId},
        ${links.programmeId}, ${links.reimbursementBatchId}, ${links.stripeEventId}, ${input.memo ?? null},
        coalesce(${input.effectiveAt ?? null}::timestamptz, now()))
      on conflict (idempotency_key) do nothing
      returning id, effective_at, created_at
    ), legs (code, account_id, amount) as (
      values ${values}
    ), e as (
      insert into ledger_entries (transaction_id, account_id, amount)
      select t.id, coalesce(legs.account_id, a.id), legs.amount
        from t cross join legs left join ledger_accounts a on a.code = legs.code
       where coalesce(legs.account_id, a.id) is not null
       order by coalesce(legs.account_id, a.id)
      returning account_id, amount, balance_after
    )
    select t.id, t.effective_at, t.created_at,
           (select json_agg(json_build_object('account_id', e.account_id, 'amount', e.amount, 'balance_after', e.balance_after)) from e) as entries
      from t`;
}

async function post(db: Kysely<DB>, input: PostTransactionInput, reversesTransactionId: number | null): Promise<PostedTransaction> {
  const { entries, links } = validate(input, reversesTransactionId);
  if (!db.isTransaction) return db.transaction().execute((trx) => post(trx, input, reversesTransactionId));

  let row: InsertedRow | undefined;
  try {
    [row] = (await insertStatement(input, entries, links, reversesTransactionId).execute(db)).rows;
  } catch (error) {
    throw toLedgerError(error);
  }
  if (!row) return replay(db, input, entries, links, reversesTransactionId);

  const posted = (row.entries ?? []).map((e) => ({ accountId: e.account_id, amountFen: e.amount, balanceAfterFen: e.balance_after }));
  if (posted.length < entries.length) {
    // An account given by owner and purpose did not exist yet: create it and post the remaining legs into the same
    // (still open) transaction. Rare: each account is created once.
    const ids = await ensureAccounts(
      db,
      entries.flatMap((e) => (e.spec ? [e.spec] : [])),
    );
    const byCode = new Map(entries.flatMap((e) => (e.code ? [e.code] : [])).map((code, i) => [code, ids[i]]));
    const done = new Set(posted.map((e) => e.accountId));
    const rest = entries
      .map((e) => ({ accountId: e.accountId ?? (byCode.get(e.code as string) as number), amountFen: e.amountFen }))
      .filter((e) => !done.has(e.accountId))
      .sort((a, b) => a.accountId - b.accountId);
    try {
      const more = await db
        .insertInto("ledger_entries")
        .values(rest.map((e) => ({ transaction_id: row.id, account_id: e.accountId, amount: e.amountFen })))
        .returning(["account_id", "amount", "balance_after"])
        .execute();
      posted.push(...more.map((e) => ({ accountId: e.account_id, amountFen: e.amount, balanceAfterFen: e.balance_after })));
    } catch (error) {
      throw toLedgerError(error);
    }
  }
  return {
    id: row.id,
    kind: input.kind,
    idempotencyKey: input.idempotencyKey,
    reversesTransactionId,
    links,
    memo: input.memo ?? null,
    effectiveAt: row.effective_at,
    createdAt: row.created_at,
    entries: posted.sort((a, b) => a.accountId - b.accountId),
    replayed: false,
  };
}

async function replay(
  db: Kysely<DB>,
  input: PostTransactionInput,
  resolved: ResolvedEntry[],
  links: Required<TransactionLinks>,
  reversesTransactionId: number | null,
): Promise<PostedTransaction> {
  const existing = await findTransactionByKey(db, input.idempotencyKey);
  const codes = resolved.flatMap((e) => (e.code ? [e.code] : []));
  const found =
    codes.length === 0 ? [] : await db.selectFrom("ledger_accounts").select(["id", "code"]).where("code", "in", codes).execute();
  const idOf = new Map(found.map((a) => [a.code, a.id]));
  const entries = resolved
    .map((e) => ({ accountId: e.accountId ?? idOf.get(e.code as string) ?? 0, amountFen: e.amountFen }))
    .sort((a, b) => a.accountId - b.accountId);
  if (!existing) throw new LedgerError("not_found", `idempotency key "${input.idempotencyKey}" conflicted but no transaction has it`);
  const differences: string[] = [];
  if (existing.kind !== input.kind) differences.push("kind");
  if (existing.reversesTransactionId !== reversesTransactionId) differences.push("reversed transaction");
  for (const name of LINK_NAMES) if (existing.links[name] !== links[name]) differences.push(`links.${name}`);
  const same =
    existing.entries.length === entries.length &&
    existing.entries.every((e, i) => e.accountId === entries[i].accountId && e.amountFen === entries[i].amountFen);
  if (!same) differences.push("entries");
  if (differences.length > 0) throw new IdempotencyConflictError(input.idempotencyKey, existing.id, differences);
  return { ...existing, replayed: true };
}

const TRANSACTION_COLUMNS = [
  "id",
  "kind",
  "idempotency_key",
  "reverses_transaction_id",
  "order_id",
  "contract_id",
  "voucher_id",
  "programme_id",
  "reimbursement_batch_id",
  "stripe_event_id",
  "memo",
  "effective_at",
  "created_at",
] as const;

async function loadTransactions(db: Kysely<DB>, where: { key?: string; id?: number }): Promise<PostedTransaction | null> {
  let query = db.selectFrom("ledger_transactions").select(TRANSACTION_COLUMNS);
  if (where.key !== undefined) query = query.where("idempotency_key", "=", where.key);
  if (where.id !== undefined) query = query.where("id", "=", where.id);
  const tx = await query.executeTakeFirst();
  if (!tx) return null;
  const entries = await db
    .selectFrom("ledger_entries")
    .select(["account_id", "amount", "balance_after"])
    .where("transaction_id", "=", tx.id)
    .orderBy("account_id")
    .execute();
  return {
    id: tx.id,
    kind: tx.kind,
    idempotencyKey: tx.idempotency_key,
    reversesTransactionId: tx.reverses_transaction_id,
    links: {
      orderId: tx.order_id,
      contractId: tx.contract_id,
      voucherId: tx.voucher_id,
      programmeId: tx.programme_id,
      reimbursementBatchId: tx.reimbursement_batch_id,
      stripeEventId: tx.stripe_event_id,
    },
    memo: tx.memo,
    effectiveAt: tx.effective_at,
    createdAt: tx.created_at,
    entries: entries.map((e) => ({ accountId: e.account_id, amountFen: e.amount, balanceAfterFen: e.balance_after })),
    replayed: true,
  };
}

export function findTransactionByKey(db: Kysely<DB>, idempotencyKey: string): Promise<PostedTransaction | null> {
  return loadTransactions(db, { key: idempotencyKey });
}

export function findTransaction(db: Kysely<DB>, id: number): Promise<PostedTransaction | null> {
  return loadTransactions(db, { id });
}

/**
 * Kinds a correction may reverse. Holds, releases, issues and expiries are voucher state moves with their own flows
 * (release a hold rather than reverse it), so that an expired voucher's money goes back to the programme.
 */
export const REVERSIBLE_KINDS: readonly LedgerTransactionKind[] = ["card_payment", "bank_transfer", "voucher_post", "voucher_disallowance", "institution_payout"];

export interface ReverseTransactionInput {
  transactionId: number;
  /** Defaults to "reversal:<id>", so reversing twice with the default key is a harmless replay. */
  idempotencyKey?: string;
  /** Added to the original's links (e.g. the refund's Stripe event). */
  links?: Pick<TransactionLinks, "stripeEventId" | "contractId">;
  memo?: string | null;
  /** When the correction took effect (a refund: when the money went back); default now. */
  effectiveAt?: Date;
}

/**
 * The only correction the ledger allows: a new transaction posting the exact negation of the original. Each
 * transaction is reversed at most once (a unique index), and a reversal cannot be reversed.
 */
export async function reverseTransaction(db: Kysely<DB>, input: ReverseTransactionInput): Promise<PostedTransaction> {
  if (!db.isTransaction) return db.transaction().execute((trx) => reverseTransaction(trx, input));
  const original = await findTransaction(db, input.transactionId);
  if (!original) throw new LedgerError("not_found", `ledger transaction ${input.transactionId} does not exist`);
  if (!REVERSIBLE_KINDS.includes(original.kind)) {
    throw new LedgerError("not_reversible", `a ${original.kind} transaction (${original.id}) is not corrected by reversal`);
  }
  const idempotencyKey = input.idempotencyKey ?? `reversal:${original.id}`;
  const existing = await db
    .selectFrom("ledger_transactions")
    .select(["id", "idempotency_key"])
    .where("reverses_transaction_id", "=", original.id)
    .executeTakeFirst();
  if (existing && existing.idempotency_key !== idempotencyKey) {
    throw new LedgerError("already_reversed", `ledger transaction ${original.id} was already reversed by transaction ${existing.id}`);
  }
  return post(
    db,
    {
      kind: "reversal",
      idempotencyKey,
      entries: original.entries.map((e) => ({ accountId: e.accountId, amountFen: -e.amountFen })),
      links: {
        ...original.links,
        ...(input.links?.stripeEventId !== undefined ? { stripeEventId: input.links.stripeEventId } : {}),
        ...(input.links?.contractId !== undefined ? { contractId: input.links.contractId } : {}),
      },
      memo: input.memo ?? `reversal of ${original.kind} ${original.id}`,
      effectiveAt: input.effectiveAt,
    },
    original.id,
  );
}
