/**
 * The "from" and "to" day fields of a GET filter form (names `from` and `to`, YYYY-MM-DD). Keyed by their values, so
 * the fields show the range of the page navigated to rather than what was typed before.
 */
export function DateRangeFields({
  idPrefix,
  from,
  to,
  labels,
  required,
}: {
  idPrefix: string;
  from?: string | null;
  to?: string | null;
  labels: { from: string; to: string };
  required?: boolean;
}) {
  return (
    <>
      <div className="field">
        <label htmlFor={`${idPrefix}-from`}>{labels.from}</label>
        <input id={`${idPrefix}-from`} type="date" name="from" defaultValue={from ?? ""} key={`from-${from ?? ""}`} required={required} />
      </div>
      <div className="field">
        <label htmlFor={`${idPrefix}-to`}>{labels.to}</label>
        <input id={`${idPrefix}-to`} type="date" name="to" defaultValue={to ?? ""} key={`to-${to ?? ""}`} required={required} />
      </div>
    </>
  );
}
