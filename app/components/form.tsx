import { forwardRef, useEffect, useRef, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from "react";
import { useT } from "~/i18n/context";
import "./form.css";

// Accessible form fields shared by every page: a visible label, an optional hint, and an error message that the
// control points to with aria-describedby and flags with aria-invalid. Errors come in already translated.

/** The element ids a field uses: the control, its hint and its error (the error summary links to `id`). */
export function fieldIds(name: string, id?: string) {
  const base = id ?? `field-${name}`;
  return { id: base, hint: `${base}-hint`, error: `${base}-error` };
}

interface FieldProps {
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  /** The translated error text; empty/undefined when the field is fine. */
  error?: string | null;
  /** Shows "optional" after the label (required fields get a star instead). */
  optional?: boolean;
  id?: string;
  className?: string;
}

function describedBy(ids: ReturnType<typeof fieldIds>, hint: ReactNode, error: string | null | undefined, extra?: string) {
  const list = [extra, hint ? ids.hint : null, error ? ids.error : null].filter(Boolean);
  return list.length > 0 ? list.join(" ") : undefined;
}

function LabelText({ label, required, optional }: { label: ReactNode; required?: boolean; optional?: boolean }) {
  const t = useT();
  return (
    <>
      {label}
      {required ? (
        <span className="field__required" aria-hidden="true">
          *
        </span>
      ) : null}
      {optional ? <span className="field__optional">{t("text.aside", { text: t("form.optional") })}</span> : null}
    </>
  );
}

function HintAndError({ ids, hint, error }: { ids: ReturnType<typeof fieldIds>; hint?: ReactNode; error?: string | null }) {
  const t = useT();
  return (
    <>
      {hint ? (
        <p id={ids.hint} className="field__hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={ids.error} className="field__error">
          <span className="visually-hidden">{t("form.errorPrefix")}</span>
          {error}
        </p>
      ) : null}
    </>
  );
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "name" | "id" | "className">;

/** A one-line input; forwards its ref to the <input>. */
export const TextField = forwardRef<HTMLInputElement, FieldProps & InputProps>(function TextField(
  { name, label, hint, error, optional, id, className, ...input },
  ref,
) {
  const ids = fieldIds(name, id);
  return (
    <div className={className ? `field ${className}` : "field"}>
      <label htmlFor={ids.id}>
        <LabelText label={label} required={input.required} optional={optional} />
      </label>
      <HintAndError ids={ids} hint={hint} error={error} />
      <input
        type="text"
        {...input}
        ref={ref}
        id={ids.id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(ids, hint, error, input["aria-describedby"])}
      />
    </div>
  );
});

type TextAreaProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "name" | "id" | "className">;

export function TextAreaField({ name, label, hint, error, optional, id, className, ...textarea }: FieldProps & TextAreaProps) {
  const ids = fieldIds(name, id);
  return (
    <div className={className ? `field ${className}` : "field"}>
      <label htmlFor={ids.id}>
        <LabelText label={label} required={textarea.required} optional={optional} />
      </label>
      <HintAndError ids={ids} hint={hint} error={error} />
      <textarea
        rows={4}
        {...textarea}
        id={ids.id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(ids, hint, error, textarea["aria-describedby"])}
      />
    </div>
  );
}

export interface Option {
  value: string;
  label: ReactNode;
  /** A line under the label (radio choices only). */
  hint?: ReactNode;
}

type SelectProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, "name" | "id" | "className">;

export function SelectField({
  name,
  label,
  hint,
  error,
  optional,
  id,
  className,
  options,
  placeholder,
  ...select
}: FieldProps & SelectProps & { options: readonly Option[]; /** a first, empty choice */ placeholder?: string }) {
  const ids = fieldIds(name, id);
  return (
    <div className={className ? `field ${className}` : "field"}>
      <label htmlFor={ids.id}>
        <LabelText label={label} required={select.required} optional={optional} />
      </label>
      <HintAndError ids={ids} hint={hint} error={error} />
      <select
        {...select}
        id={ids.id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(ids, hint, error, select["aria-describedby"])}
      >
        {placeholder !== undefined ? <option value="">{placeholder}</option> : null}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * A group of radio buttons in a fieldset whose legend is the label. The summary links to the first option's id,
 * which is the field id.
 */
export function RadioGroupField({
  name,
  label,
  hint,
  error,
  optional,
  id,
  className,
  options,
  defaultValue,
  required,
  layout = "column",
  onChange,
}: FieldProps & {
  options: readonly Option[];
  defaultValue?: string | null;
  required?: boolean;
  layout?: "column" | "row";
  onChange?: (value: string) => void;
}) {
  const ids = fieldIds(name, id);
  return (
    <fieldset
      className={className ? `field ${className}` : "field"}
      role="radiogroup"
      aria-invalid={error ? true : undefined}
      aria-describedby={describedBy(ids, hint, error)}
      aria-required={required || undefined}
    >
      <legend>
        <LabelText label={label} required={required} optional={optional} />
      </legend>
      <HintAndError ids={ids} hint={hint} error={error} />
      <div className={layout === "row" ? "choices choices--row" : "choices"}>
        {options.map((o, i) => {
          const optionId = i === 0 ? ids.id : `${ids.id}-${o.value}`;
          return (
            <label key={o.value} className="choice" htmlFor={optionId}>
              <input
                type="radio"
                id={optionId}
                name={name}
                value={o.value}
                defaultChecked={defaultValue === o.value}
                onChange={onChange ? (e) => e.currentTarget.checked && onChange(o.value) : undefined}
              />
              <span className="choice__text">
                <span className="choice__label">{o.label}</span>
                {o.hint ? <span className="choice__hint">{o.hint}</span> : null}
              </span>
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}

export function CheckboxField({ name, label, hint, error, id, className, ...input }: Omit<FieldProps, "optional"> & InputProps) {
  const ids = fieldIds(name, id);
  return (
    <div className={className ? `field ${className}` : "field"}>
      <HintAndError ids={ids} hint={hint} error={error} />
      <label className="checkbox" htmlFor={ids.id}>
        <input
          value="true"
          {...input}
          type="checkbox"
          id={ids.id}
          name={name}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(ids, hint, error, input["aria-describedby"])}
        />
        <span>{label}</span>
      </label>
    </div>
  );
}

export interface SummaryItem {
  /** The field name (links to fieldIds(name).id unless `id` is given). */
  name: string;
  id?: string;
  label: string;
  message: string;
}

/**
 * The form-level error block at the top of a form: an error about the whole form and/or a list of field errors, each
 * linking to its field. It takes focus when it appears so keyboard and screen-reader users land on it; pass the
 * action data as `focusKey` so each new submission's errors take focus again.
 */
export function ErrorSummary({
  formError,
  items = [],
  focusKey,
  id = "error-summary",
}: {
  formError?: string | null;
  items?: readonly SummaryItem[];
  focusKey?: unknown;
  id?: string;
}) {
  const t = useT();
  const ref = useRef<HTMLDivElement>(null);
  const hasErrors = Boolean(formError) || items.length > 0;
  useEffect(() => {
    if (hasErrors) ref.current?.focus();
  }, [focusKey, hasErrors]);
  if (!hasErrors) return null;
  return (
    <div ref={ref} id={id} className="error-summary" tabIndex={-1} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="error-summary__title">
        {t("form.errorSummaryTitle")}
      </h2>
      {formError ? <p>{formError}</p> : null}
      {items.length > 0 ? (
        <>
          <p>{t("form.fixErrors")}</p>
          <ul>
            {items.map((item) => (
              <li key={item.name}>
                <a href={`#${item.id ?? fieldIds(item.name).id}`}>{t("form.summaryItem", { label: item.label, message: item.message })}</a>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
