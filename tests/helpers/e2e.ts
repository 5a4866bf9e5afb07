import { existsSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { DEMO_PASSWORD } from "../../db/seed/users";
import { projectRoot, serverBuildPath } from "./server";

// What the browser tests share: Debian's Chromium, what they need before they can run, and the demo users' log-in
// (with the password the seed gives them).

export const CHROMIUM = "/usr/bin/chromium";

/**
 * What this machine lacks for an e2e file (Chromium, and the production build unless the file runs against a server
 * someone started). Locally the file is skipped then; in CI a missing piece is a failure, never a skip.
 */
export function e2ePrerequisites(name: string, { needsBuild = true } = {}): { missing: string[]; skip: boolean } {
  const missing = [
    existsSync(CHROMIUM) ? null : `${CHROMIUM} (apt-get install chromium)`,
    !needsBuild || existsSync(serverBuildPath) ? null : `${path.relative(projectRoot, serverBuildPath)} (npm run build)`,
  ].filter((m): m is string => m !== null);
  const skip = missing.length > 0 && !process.env.CI;
  if (skip) console.warn(`e2e ${name} test skipped: missing ${missing.join(" and ")}`);
  return { missing, skip };
}

export function assertPrerequisites(missing: readonly string[]): void {
  if (missing.length > 0) throw new Error(`CI must run the e2e tests, but these are missing: ${missing.join(", ")}`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Logs a demo user in through the log-in form, in whichever language the page is in. */
export async function logIn(page: Page, email: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto("/login");
  const form = page.locator("form", { has: page.locator('input[name="password"]') });
  await form.locator('input[name="email"]').fill(email);
  await form.locator('input[name="password"]').fill(password);
  await Promise.all([page.waitForURL((url) => url.pathname !== "/login"), form.locator('button[type="submit"]').click()]);
}
