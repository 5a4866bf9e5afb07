import { readFile } from "node:fs/promises";
import path from "node:path";
import { closeDatabase, initDatabase } from "../app/db.server";
import { EnvError, env } from "../app/env.server";
import { translator } from "../app/i18n";
import { importContractsCsv, type ImportProgress } from "../app/services/contracts/import";
import { formatLineError } from "../app/services/contracts/messages";
import { CONTRACT_COLUMNS } from "../app/services/contracts/validation";

// `npm run import:contracts -- FILE.csv`: registers every contract in a CSV file, or none. Each bad line is printed
// as `line N: reason` (the header is line 1) and the command exits 1 without writing anything.

const USAGE = `usage: npm run import:contracts -- FILE.csv
  FILE.csv: UTF-8 (a BOM is fine), a header row, then one contract per line with the columns
  ${CONTRACT_COLUMNS.join(",")}`;

const PHASE = { check: "checking contract numbers", insert: "registering" } as const;

/** A redrawn bar on stderr when it is a terminal; nothing in logs or pipes. */
function progressBar(): ((p: ImportProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const width = 30;
  return ({ phase, done, total }) => {
    const ratio = total > 0 ? done / total : 1;
    const filled = Math.round(ratio * width);
    process.stderr.write(
      `\r${"█".repeat(filled)}${"░".repeat(width - filled)} ${String(Math.round(ratio * 100)).padStart(3)}% ${PHASE[phase]} ${done.toLocaleString("en")}/${total.toLocaleString("en")}\x1b[K`,
    );
    if (done >= total) process.stderr.write("\n");
  };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  if (args.length !== 1 || args[0].startsWith("-")) {
    console.error(USAGE);
    return 2;
  }
  const file = args[0];
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    console.error(`import:contracts: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }

  const handle = await initDatabase(env());
  const started = performance.now();
  const result = await importContractsCsv(handle.db, bytes, { fileName: path.basename(file), onProgress: progressBar() });
  const en = translator("en");
  if (!result.ok) {
    for (const error of result.errors) console.error(formatLineError(en, error));
    console.error(`import:contracts: ${result.errors.length} bad line${result.errors.length === 1 ? "" : "s"} in ${file}; nothing was imported`);
    return 1;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `import:contracts: registered ${result.imported.toLocaleString("en")} contracts from ${file} in ${seconds} s` +
      (result.firstCertificate ? ` (certificates ${result.firstCertificate} … ${result.lastCertificate})` : ""),
  );
  return 0;
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    console.error(error instanceof EnvError ? error.message : `import:contracts: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  })
  .finally(() => closeDatabase());
