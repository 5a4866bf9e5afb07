import {
  CONTRACT_TYPES,
  FIELD_CODES,
  SELLER_TYPES,
  type ContractType,
  type FieldCode,
  type SellerType,
} from "../../../db/schema";
import { parseIsoDate, todayInChina } from "./calendar";
import { parseYuanToFen, type YuanProblem } from "./money";

/** The registry's CSV columns, in the documented order; the form uses the same names. */
export const CONTRACT_COLUMNS = [
  "contract_no",
  "signed_on",
  "type",
  "field",
  "seller",
  "seller_type",
  "buyer",
  "buyer_region",
  "amount_yuan",
  "technical_income_yuan",
] as const;
export type ContractColumn = (typeof CONTRACT_COLUMNS)[number];

/** A contract as typed into the form or a CSV row: every value a string. */
export type ContractDraft = Record<ContractColumn, string>;

/** A contract that passed validation, amounts in integer fen. */
export interface ContractValues {
  contractNo: string;
  signedOn: string;
  type: ContractType;
  field: FieldCode;
  seller: string;
  sellerType: SellerType;
  buyer: string;
  buyerRegion: string;
  amountFen: number;
  technicalIncomeFen: number;
}

export type ProblemCode =
  | YuanProblem
  | "tooLong"
  | "controlCharacters"
  | "badDate"
  | "unrealDate"
  | "futureDate"
  | "dateTooEarly"
  | "unknownCode"
  | "incomeAboveAmount"
  | "notInteger"
  | "duplicateInFile"
  | "alreadyRegistered"
  | "orderAlreadyRegistered"
  | "orderMismatch"
  | "unknownOrganisation"
  | "fieldCount"
  | "unterminatedQuote"
  | "quoteInUnquotedField"
  | "textAfterClosingQuote"
  | "notUtf8"
  | "headerMissing"
  | "headerUnknown"
  | "headerDuplicate"
  | "noRows";

/** One thing wrong with a value; `column` is null for problems with a whole line or file. Translated as `contracts.problem.<code>`. */
export interface Problem {
  column: ContractColumn | null;
  code: ProblemCode;
  params?: Record<string, string | number>;
}

/** Longest accepted reason for voiding a contract, in characters. */
export const MAX_VOID_REASON = 500;

/** The Technology Contract Law took effect in 1987; an earlier signing date is a typo. */
export const EARLIEST_SIGNING_DATE = "1987-01-01";

const MAX_LENGTH: Partial<Record<ContractColumn, number>> = {
  contract_no: 64,
  seller: 200,
  buyer: 200,
  buyer_region: 50,
};

const CODE_LISTS = {
  type: CONTRACT_TYPES,
  field: FIELD_CODES,
  seller_type: SELLER_TYPES,
} as const;

function checkText(column: ContractColumn, value: string, problems: Problem[]): void {
  if (value === "") {
    problems.push({ column, code: "required" });
    return;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) problems.push({ column, code: "controlCharacters" });
  const max = MAX_LENGTH[column];
  if (max !== undefined && [...value].length > max) problems.push({ column, code: "tooLong", params: { max } });
}

function checkDate(column: ContractColumn, value: string, today: string, problems: Problem[]): void {
  if (value === "") problems.push({ column, code: "required" });
  else if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) problems.push({ column, code: "badDate", params: { value } });
  else if (!parseIsoDate(value)) problems.push({ column, code: "unrealDate", params: { value } });
  else if (value > today) problems.push({ column, code: "futureDate", params: { value } });
  else if (value < EARLIEST_SIGNING_DATE)
    problems.push({ column, code: "dateTooEarly", params: { value, min: EARLIEST_SIGNING_DATE } });
}

function checkCode(column: keyof typeof CODE_LISTS, value: string, problems: Problem[]): void {
  const allowed: readonly string[] = CODE_LISTS[column];
  if (value === "") problems.push({ column, code: "required" });
  else if (!allowed.includes(value)) problems.push({ column, code: "unknownCode", params: { value, allowed: allowed.join("|") } });
}

function checkAmounts(amountFen: number | null, incomeFen: number | null, problems: Problem[]): void {
  if (amountFen !== null && incomeFen !== null && incomeFen > amountFen) problems.push({ column: "technical_income_yuan", code: "incomeAboveAmount" });
}

/**
 * Validates a draft (form or CSV row). Values are trimmed; every problem is reported, not just the first.
 * `today` (China's calendar day by default) bounds the signing date.
 */
export function validateDraft(
  draft: ContractDraft,
  options: { today?: string } = {},
): { ok: true; value: ContractValues } | { ok: false; problems: Problem[] } {
  const today = options.today ?? todayInChina();
  const v = Object.fromEntries(CONTRACT_COLUMNS.map((c) => [c, (draft[c] ?? "").trim()])) as ContractDraft;
  const problems: Problem[] = [];

  checkText("contract_no", v.contract_no, problems);
  checkDate("signed_on", v.signed_on, today, problems);
  checkCode("type", v.type, problems);
  checkCode("field", v.field, problems);
  checkText("seller", v.seller, problems);
  checkCode("seller_type", v.seller_type, problems);
  checkText("buyer", v.buyer, problems);
  checkText("buyer_region", v.buyer_region, problems);

  const amount = parseYuanToFen(v.amount_yuan);
  if (!amount.ok) problems.push({ column: "amount_yuan", code: amount.problem, params: { value: v.amount_yuan } });
  const income = parseYuanToFen(v.technical_income_yuan);
  if (!income.ok) problems.push({ column: "technical_income_yuan", code: income.problem, params: { value: v.technical_income_yuan } });
  checkAmounts(amount.ok ? amount.fen : null, income.ok ? income.fen : null, problems);

  if (problems.length > 0 || !amount.ok || !income.ok) return { ok: false, problems };
  return {
    ok: true,
    value: {
      contractNo: v.contract_no,
      signedOn: v.signed_on,
      type: v.type as ContractType,
      field: v.field as FieldCode,
      seller: v.seller,
      sellerType: v.seller_type as SellerType,
      buyer: v.buyer,
      buyerRegion: v.buyer_region,
      amountFen: amount.fen,
      technicalIncomeFen: income.fen,
    },
  };
}

/** The same rules for values that arrive typed (a platform order; text already trimmed); amounts must be integer fen. */
export function validateValues(values: ContractValues, options: { today?: string } = {}): Problem[] {
  const today = options.today ?? todayInChina();
  const problems: Problem[] = [];
  checkText("contract_no", values.contractNo, problems);
  checkDate("signed_on", values.signedOn, today, problems);
  checkCode("type", values.type, problems);
  checkCode("field", values.field, problems);
  checkText("seller", values.seller, problems);
  checkCode("seller_type", values.sellerType, problems);
  checkText("buyer", values.buyer, problems);
  checkText("buyer_region", values.buyerRegion, problems);
  for (const [column, fen] of [
    ["amount_yuan", values.amountFen],
    ["technical_income_yuan", values.technicalIncomeFen],
  ] as const) {
    if (!Number.isSafeInteger(fen)) problems.push({ column, code: "notInteger", params: { value: String(fen) } });
    else if (fen < 0) problems.push({ column, code: "negativeAmount", params: { value: String(fen) } });
  }
  const usable = (fen: number) => Number.isSafeInteger(fen) && fen >= 0;
  if (usable(values.amountFen) && usable(values.technicalIncomeFen))
    checkAmounts(values.amountFen, values.technicalIncomeFen, problems);
  return problems;
}
