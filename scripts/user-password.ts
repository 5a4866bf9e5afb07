import { parseArgs } from "node:util";
import { closeDatabase, initDatabase } from "../app/db.server";
import { env } from "../app/env.server";
import { translator } from "../app/i18n";
import { issueFirstPassword, type FirstPasswordField } from "../app/services/accounts/members";

// `npm run user:password -- --email x --password …`
// For someone no administrator of their organisation can help: a first password, which they must change at log-in.
// Their sessions end. Everyone else asks their organisation's administrator (/account/members).

const USAGE = "usage: npm run user:password -- --email <email> --password <first password, at least 10 characters>";
const FLAG: Record<FirstPasswordField, string> = { email: "--email", password: "--password" };

let values: { email?: string; password?: string };
try {
  ({ values } = parseArgs({ options: { email: { type: "string" }, password: { type: "string" } }, strict: true, allowPositionals: false }));
} catch (error) {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  process.exit(2);
}

const zh = translator("zh-CN");
const en = translator("en");

try {
  const handle = await initDatabase(env());
  const result = await issueFirstPassword(handle.db, { email: values.email, password: values.password });
  if (!result.ok) {
    const lines = Object.entries(result.fieldErrors).map(([field, key]) => `  ${FLAG[field as FirstPasswordField] ?? field}: ${zh(key ?? "")} / ${en(key ?? "")}`);
    console.error(`error: nothing was changed\n${lines.join("\n")}\n\n${USAGE}`);
    process.exitCode = 1;
  } else {
    console.log(`user #${result.userId} (${result.displayName}) has a first password now; their sessions have ended and they must change it at log-in`);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await closeDatabase();
}
