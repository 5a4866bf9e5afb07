import type { Translate } from "../../i18n";
import type { LineError } from "./import";
import type { Problem } from "./validation";

/**
 * One problem in words. `column` appears as the CSV column name by default; a form passes its field labels instead.
 * Messages live in app/i18n/messages/bureau.ts as `contracts.problem.<code>`.
 */
export function describeProblem(t: Translate, problem: Problem, columnLabel: (column: string) => string = (c) => c): string {
  const params = { ...(problem.params ?? {}), column: problem.column ? columnLabel(problem.column) : "" };
  return t(`contracts.problem.${problem.code}`, params);
}

/** `line N: reason; reason` (en) or `第 N 行：原因；原因` (zh), as the CLI and the upload page print it. */
export function formatLineError(t: Translate, error: LineError): string {
  const reasons = error.problems.map((p) => describeProblem(t, p)).join(t("contracts.reasonSeparator"));
  return t("contracts.lineError", { line: error.line, reason: reasons });
}
