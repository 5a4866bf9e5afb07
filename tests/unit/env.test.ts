import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "../../app/env.server";

describe("environment", () => {
  it("defaults to the embedded database under ./.data on port 3000 with the demo seed", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ PORT: 3000, DATA_DIR: "./.data", SEED_DEMO: true });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it("treats empty values as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", PORT: "" }).DATABASE_URL).toBeUndefined();
  });

  it("reads a PostgreSQL URL, a port and SEED_DEMO=false", () => {
    const env = parseEnv({ DATABASE_URL: "postgres://u:p@localhost:5432/market", PORT: "8080", SEED_DEMO: "false" });
    expect(env).toMatchObject({ DATABASE_URL: "postgres://u:p@localhost:5432/market", PORT: 8080, SEED_DEMO: false });
  });

  it.each([
    [{ PORT: "eighty" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ DATABASE_URL: "mysql://localhost/db" }, "DATABASE_URL"],
    [{ SEED_DEMO: "maybe" }, "SEED_DEMO"],
    [{ STRIPE_SECRET_KEY: "pk_test_123" }, "STRIPE_SECRET_KEY"],
    [{ MEILI_URL: "not a url" }, "MEILI_URL"],
    [{ STRIPE_PAYMENT_METHODS: "card,paypal" }, "STRIPE_PAYMENT_METHODS"],
  ])("refuses %o with a message naming %s", (source, name) => {
    expect(() => parseEnv(source)).toThrow(EnvError);
    expect(() => parseEnv(source)).toThrow(new RegExp(`${name}:`));
  });
});
