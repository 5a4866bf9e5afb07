import { readFile } from "node:fs/promises";
import path from "node:path";
import { closeDatabase, initDatabase } from "../app/db.server";
import { EnvError, env } from "../app/env.server";
import { translator } from "../app/i18n";
import { formatLineError, importResults, type ImportStatus } from "../app/services/catalogue/import";
import { SYSTEM_ACTOR } from "../app/services/catalogue/lifecycle";
import { printProgress } from "./lib/progress";

// `npm run import:results -- FILE.jsonl [--status listed|pending_review]`: imports technology results from JSON Lines
// into the configured database (DATABASE_URL, or the embedded one under DATA_DIR). All or nothing: if any line is bad,
// every bad line is printed as `line N: …` and the command exits 1 having written nothing. Institutions named in the
// file that do not exist yet are created (with a credit code derived from the name). Default status: pending_review.

const USAGE = "usage: npm run import:results -- FILE.jsonl [--status listed|pending_review]";
const MAX_ERRORS_SHOWN = 500;

function parseArgs(argv: string[]): { file: string; status: ImportStatus } | { error: string } {
  let file: string | undefined;
  let status: ImportStatus = "pending_review";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--status" || arg.startsWith("--status=")) {
      const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
      if (value !== "listed" && value !== "pending_review") return { error: `--status must be listed or pending_review, got ${value ?? "nothing"}` };
      status = value;
    } else if (arg === "--help" || arg === "-h") {
      return { error: "" };
    } else if (arg.startsWith("-")) {
      return { error: `unknown option ${arg}` };
    } else if (file === undefined) {
      file = arg;
    } else {
      return { error: `one file at a time (got ${file} and ${arg})` };
    }
  }
  return file ? { file, status } : { error: "no file given" };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if ("error" in args) {
    if (args.error) console.error(`import:results: ${args.error}`);
    console.error(USAGE);
    return 2;
  }
  // Messages in Chinese when the terminal's locale is Chinese, otherwise English.
  const t = translator(/^zh/i.test(process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || "") ? "zh-CN" : "en");
  let bytes: Buffer;
  try {
    bytes = await readFile(args.file);
  } catch (error) {
    console.error(`import:results: cannot read ${args.file}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }

  const started = performance.now();
  const config = env();
  const handle = await initDatabase(config);
  const where = handle.engine === "pglite" ? `embedded PGlite in ${path.resolve(config.DATA_DIR)}` : "PostgreSQL server (DATABASE_URL)";
  console.log(`import:results: ${path.basename(args.file)} → ${where}, status ${args.status}`);

  const result = await importResults(handle.db, bytes, {
    scope: { kind: "any", createMissing: true },
    status: args.status,
    actor: SYSTEM_ACTOR,
    source: path.basename(args.file),
    onProgress: ({ phase, done, total }) => {
      if (phase === "insert") printProgress("importing results", done, total);
    },
  });

  if (!result.ok) {
    for (const error of result.errors.slice(0, MAX_ERRORS_SHOWN)) console.error(formatLineError(error, t));
    if (result.errors.length > MAX_ERRORS_SHOWN) console.error(`… and ${result.errors.length - MAX_ERRORS_SHOWN} more bad lines`);
    console.error(`import:results: ${result.errors.length} bad line${result.errors.length === 1 ? "" : "s"}; nothing was imported.`);
    return 1;
  }
  for (const inst of result.createdInstitutions) {
    console.log(`  created institution ${inst.name} (${inst.institution_type}), credit code ${inst.credit_code} derived from the name: replace it with the real one`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `import:results: imported ${result.imported} result${result.imported === 1 ? "" : "s"}` +
      (result.firstId !== null ? ` (ids ${result.firstId}–${result.lastId})` : "") +
      ` in ${seconds} s; the search index picks them up from the outbox.`,
  );
  return 0;
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    console.error(error instanceof EnvError ? error.message : `import:results: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  })
  .finally(() => closeDatabase());
