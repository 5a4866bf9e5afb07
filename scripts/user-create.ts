import { parseArgs } from "node:util";
import { closeDatabase, initDatabase } from "../app/db.server";
import { env } from "../app/env.server";
import { translator } from "../app/i18n";
import { createStaffUser, DEFAULT_STAFF_ORGANISATION, type StaffField } from "../app/services/accounts/staff";

// `npm run user:create -- --role bureau|operator --email x --name "…" --password … [--org "…"]`
// Bureau and operator accounts cannot sign up on the site; this creates them (and their organisation, found by name).

const USAGE = `usage: npm run user:create -- --role bureau|operator --email <email> --name <display name> --password <password> [--org <organisation name>]
  --org defaults to "${DEFAULT_STAFF_ORGANISATION.bureau}" (bureau) or "${DEFAULT_STAFF_ORGANISATION.operator}" (operator)`;

const FLAG: Record<StaffField, string> = {
  role: "--role",
  email: "--email",
  displayName: "--name",
  password: "--password",
  organisationName: "--org",
};

function fail(message: string): never {
  console.error(`error: ${message}\n\n${USAGE}`);
  process.exit(1);
}

let values: { role?: string; email?: string; name?: string; password?: string; org?: string };
try {
  ({ values } = parseArgs({
    options: {
      role: { type: "string" },
      email: { type: "string" },
      name: { type: "string" },
      password: { type: "string" },
      org: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

const zh = translator("zh-CN");
const en = translator("en");

try {
  const handle = await initDatabase(env());
  const result = await createStaffUser(handle.db, {
    role: values.role,
    email: values.email,
    displayName: values.name,
    password: values.password,
    organisationName: values.org,
  });
  if (!result.ok) {
    const lines = Object.entries(result.fieldErrors).map(
      ([field, key]) => `  ${FLAG[field as StaffField] ?? field}: ${zh(key ?? "")} / ${en(key ?? "")}`,
    );
    console.error(`error: nothing was created\n${lines.join("\n")}\n\n${USAGE}`);
    process.exitCode = 1;
  } else {
    const { user, organisationCreated } = result;
    console.log(
      `created ${user.role} user #${user.id} ${user.email} (${user.displayName}) in ` +
        `${organisationCreated ? "new" : "existing"} organisation #${user.organisationId} ${user.organisationName}`,
    );
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await closeDatabase();
}
