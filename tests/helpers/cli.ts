import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one of scripts/ as `npm run …` does (through tsx), against the database `env` names (DATABASE_URL or DATA_DIR)
 * and never the one this test process was given. Never throws for a non-zero exit: the code is in the answer.
 */
export async function runScript(script: string, args: readonly string[], env: Record<string, string>, timeoutMs = 120_000): Promise<CliResult> {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  delete base.DATA_DIR;
  try {
    const { stdout, stderr } = await run("npx", ["tsx", script, ...args], { env: { ...base, ...env }, timeout: timeoutMs });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}
