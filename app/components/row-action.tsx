import { Form } from "@remix-run/react";
import type { ReactNode } from "react";
import "./row-action.css";

/**
 * An action on one row of a table (revoke, review, decide, remove): a button that opens a small form in place, so the
 * row's other facts stay in view. Open from the start when the last submission of this row was refused.
 */
export function RowActionForm({
  summary,
  submitLabel,
  open,
  busy,
  hint,
  error,
  children,
}: {
  summary: ReactNode;
  submitLabel: ReactNode;
  open?: boolean;
  busy: boolean;
  /** what the action will do, first in the form */
  hint?: ReactNode;
  /** why the last submission of this row was refused, under the hint */
  error?: string | null;
  /** hidden inputs and fields, above the submit button */
  children: ReactNode;
}) {
  return (
    <details className="row-action" open={open || undefined}>
      <summary className="button button--ghost">{summary}</summary>
      <Form method="post" className="row-action__form">
        {hint ? <p className="field__hint">{hint}</p> : null}
        {error ? (
          <p className="field__error" role="alert">
            {error}
          </p>
        ) : null}
        {children}
        <button type="submit" className="button" disabled={busy}>
          {submitLabel}
        </button>
      </Form>
    </details>
  );
}
