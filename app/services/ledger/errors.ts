// Errors the ledger raises. Each has a stable `code` callers can switch on; the message names the account, key or
// transaction involved. A LedgerError thrown inside a database transaction means that transaction must roll back.

export type LedgerErrorCode =
  | "invalid_input"
  | "insufficient_funds"
  | "idempotency_conflict"
  | "already_reversed"
  | "not_reversible"
  | "not_found"
  | "hold_consumed"
  | "unbalanced"
  | "append_only";

export class LedgerError extends Error {
  constructor(readonly code: LedgerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LedgerError";
  }
}

/** Bad arguments: `field` names the offending one (e.g. "entries[2].amountFen"). Nothing was written. */
export class LedgerInputError extends LedgerError {
  constructor(readonly field: string, message: string) {
    super("invalid_input", `${field}: ${message}`);
    this.name = "LedgerInputError";
  }
}

/** A posting would take an account that must not go negative below zero (refused by the database's CHECK). */
export class InsufficientFundsError extends LedgerError {
  constructor(readonly accountId: number | null, readonly accountCode: string | null, options?: { cause?: unknown }) {
    super("insufficient_funds", `ledger account ${accountCode ?? accountId ?? "?"} would go below zero`, options);
    this.name = "InsufficientFundsError";
  }
}

/** The idempotency key was used before for a transaction with different content. */
export class IdempotencyConflictError extends LedgerError {
  constructor(readonly idempotencyKey: string, readonly existingTransactionId: number, readonly differences: string[]) {
    super(
      "idempotency_conflict",
      `idempotency key "${idempotencyKey}" already posted transaction ${existingTransactionId} with different ${differences.join(", ")}`,
    );
    this.name = "IdempotencyConflictError";
  }
}

interface PgErrorLike {
  code?: unknown;
  constraint_name?: unknown;
  detail?: unknown;
  message?: unknown;
}

/**
 * Translates an error from the database into a LedgerError where it is one of the ledger's own refusals (overdraft,
 * unbalanced or malformed transaction, append-only, reversed twice); anything else comes back unchanged.
 */
export function toLedgerError(error: unknown): unknown {
  if (error instanceof LedgerError || typeof error !== "object" || error === null) return error;
  const { code, constraint_name: constraint, detail, message } = error as PgErrorLike;
  const text = typeof message === "string" ? message : String(error);
  if (code === "23514" && constraint === "ledger_accounts_non_negative") {
    // "Failing row contains (id, code, ...)": the account is the row the CHECK refused.
    const m = typeof detail === "string" ? /Failing row contains \((\d+), ([^,]+),/.exec(detail) : null;
    return new InsufficientFundsError(m ? Number(m[1]) : null, m ? m[2] : null, { cause: error });
  }
  if (code === "23505" && constraint === "ledger_transactions_reversed_once") {
    return new LedgerError("already_reversed", "the transaction has already been reversed", { cause: error });
  }
  if (code === "23505" && constraint === "ledger_entries_one_per_account") {
    return new LedgerInputError("entries", "an account appears twice in the transaction; net its amounts into one entry");
  }
  if (code === "LG001") return new LedgerError("unbalanced", text, { cause: error });
  if (code === "LG002" || code === "LG003") return new LedgerError("append_only", text, { cause: error });
  if (code === "LG004") return new LedgerError("not_reversible", text, { cause: error });
  return error;
}
