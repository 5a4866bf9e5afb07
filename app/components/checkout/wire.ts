import { CheckoutError } from "~/services/checkout/errors";

// Loader data crosses the wire as JSON: dates become ISO strings here, explicitly, so the component's types and the
// runtime values agree whatever the transport does.

export type Wire<T> = T extends Date
  ? string
  : T extends CheckoutError
    ? WireError
    : T extends readonly (infer U)[]
      ? Wire<U>[]
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;

export interface WireError {
  kind: CheckoutError["kind"];
  key: string;
  params: Record<string, string | number>;
  field: string | null;
}

export function errorToWire(error: CheckoutError): WireError {
  return { kind: error.kind, key: error.key, params: error.params, field: error.field ?? null };
}

export function toWire<T>(value: T): Wire<T> {
  if (value instanceof Date) return value.toISOString() as Wire<T>;
  if (value instanceof CheckoutError) return errorToWire(value) as Wire<T>;
  if (Array.isArray(value)) return value.map((v) => toWire(v)) as Wire<T>;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)])) as Wire<T>;
  }
  return value as Wire<T>;
}
