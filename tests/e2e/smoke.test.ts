import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROWSER_PROFILES, openCheckedPage, SCREENS } from "../helpers/browser-checks";
import { assertPrerequisites, e2ePrerequisites, launchChromium, logIn } from "../helpers/e2e";
import { projectRoot, startProductionServer, type RunningServer } from "../helpers/server";

// Smoke test of the production build on a fresh embedded database (migrated and seeded at start), driven through
// Debian's chromium: the home page, the English switch, and a log-in as the demo enterprise.

/** Each role's workspace pages; from each list, the first record it links to is opened too. */
const WORKSPACES: Record<string, string[]> = {
  "enterprise@demo.cn": ["/enterprise/orders", "/enterprise/vouchers", "/account"],
  "researcher@demo.cn": [
    "/institution/results",
    "/institution/results/new",
    "/institution/inquiries",
    "/institution/orders",
    "/institution/settlement",
    "/account",
    "/account/members",
    "/account/activity",
  ],
  "bureau@demo.cn": [
    "/bureau/review",
    "/bureau/contracts",
    "/bureau/contracts/new",
    "/bureau/contracts/import",
    "/bureau/dashboard",
    "/bureau/dashboard/report",
    "/bureau/dashboard/rewards",
    "/bureau/vouchers",
    "/bureau/vouchers/new",
    "/bureau/vouchers/reimbursement",
    "/bureau/vouchers/related-parties",
    "/bureau/vouchers/spot-checks",
  ],
  "operator@demo.cn": ["/operator", "/operator/orders", "/operator/transfers", "/operator/payouts", "/operator/audit"],
};
const SCREENSHOT = path.join(projectRoot, "test-results/smoke-logged-in.png");
const STEP_TIMEOUT = 20_000;

const { missing, skip } = e2ePrerequisites("smoke");

describe.skipIf(skip)(`e2e smoke${skip ? ` (skipped: missing ${missing.join(", ")})` : ""}`, () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    assertPrerequisites(missing);
    server = await startProductionServer({ readyTimeoutMs: 120_000 });
    browser = await launchChromium();
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(STEP_TIMEOUT);
    page = await context.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 30_000);

  // The issue's Done-when: a fresh start serves the seeded market and the API counts ≥ 2,000 listed results within two
  // minutes. The search index fills in the background after start, so poll until then rather than ask once.
  it("reports ≥ 2000 listed results through the public API within two minutes of start", async () => {
    const deadline = server!.startedAt + 120_000;
    let body: { hits: unknown[]; total: number } = { hits: [], total: 0 };
    for (;;) {
      const response = await fetch(`${server!.url}/api/v1/results?per_page=1`);
      expect(response.status).toBe(200);
      body = (await response.json()) as typeof body;
      if (body.total >= 2000 || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(body.total, `total after ${((Date.now() - server!.startedAt) / 1000).toFixed(0)}s`).toBeGreaterThanOrEqual(2000);
    expect(body.hits).toHaveLength(1);
  }, 130_000);

  it("opens the home page in Chinese with the newest results listed", async () => {
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
    expect(await page.locator("html").getAttribute("lang")).toBe("zh-CN");
    expect(await page.title()).toContain("科技大市场");
    expect(await page.locator("header").first().innerText()).toContain("科技大市场");
    const resultLinks = page.locator('main a[href^="/results/"]');
    await resultLinks.first().waitFor();
    expect(await resultLinks.count()).toBeGreaterThanOrEqual(1);
    expect((await resultLinks.first().innerText()).trim()).not.toBe("");
  });

  it("switches the interface to English", async () => {
    await page.locator("header").getByRole("button", { name: "English", exact: true }).click();
    await page.locator("header").getByRole("link", { name: "Log in", exact: true }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    expect(page.url()).toBe(`${server!.url}/`);
  });

  it("logs in as the demo enterprise and shows the user in the header", async () => {
    await logIn(page, "enterprise@demo.cn");
    const header = page.locator("header").first();
    await header.getByRole("button", { name: "Log out", exact: true }).waitFor();
    expect(await header.getByRole("link", { name: "Log in", exact: true }).count()).toBe(0);
    // Still in English after logging in: the language cookie survives the session rotation.
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  // A page rendered on the server must hydrate as it was rendered (Node's and Chromium's Intl data differ), and no
  // workspace page may be wider than a phone.
  it("opens every workspace page of each role in Chinese and English, on a desktop and a phone, without a browser error, an overflow or a WCAG 2.1 AA violation", async () => {
    const problems: string[] = [];
    let opened = 0;
    for (const profile of BROWSER_PROFILES) {
      for (const screen of SCREENS) {
        for (const [email, paths] of Object.entries(WORKSPACES)) {
          const { context, page: tab, where, settle } = await openCheckedPage(browser!, server!.url, profile, screen, problems, STEP_TIMEOUT);
          await logIn(tab, email);
          const records: string[] = [];
          const open = async (target: string) => {
            const response = await tab.goto(target);
            if ((response?.status() ?? 0) >= 400) problems.push(`${where()}: HTTP ${response?.status()}`);
            await settle();
            opened += 1;
          };
          for (const target of paths) {
            await open(target);
            const record = await tab.locator(`main a[href^="${target}/"]`).evaluateAll(
              (links, prefix) => links.map((a) => a.getAttribute("href") ?? "").find((href) => new RegExp(`^${prefix}/\\d+$`).test(href)),
              target,
            );
            if (record) records.push(record);
          }
          if (records.length === 0) problems.push(`${profile.locale} ${screen.width}px ${email}: no record linked from ${paths.join(", ")}`);
          for (const record of records) await open(record);
          await context.close();
        }
      }
    }
    expect(problems).toEqual([]);
    expect(opened).toBeGreaterThan(BROWSER_PROFILES.length * SCREENS.length * Object.values(WORKSPACES).flat().length);
  }, 300_000);

  it("the demo institution's administrator opens an account for a colleague, whose first log-in asks for a password of their own", async () => {
    const problems: string[] = [];
    const [chinese] = BROWSER_PROFILES;
    const [desktop, phone] = SCREENS;
    const admin = await openCheckedPage(browser!, server!.url, chinese, desktop, problems, STEP_TIMEOUT);
    await logIn(admin.page, "researcher@demo.cn");
    await admin.page.locator("header").getByRole("link", { name: /李明远/ }).click();
    await admin.page.waitForURL(/\/account$/);
    await admin.page.getByRole("link", { name: /管理本单位账户/ }).click();
    await admin.page.waitForURL(/\/account\/members$/);
    await admin.settle();
    const add = admin.page.getByRole("region", { name: "开通同事账户" });
    await add.getByLabel("姓名").fill("蒋新同事");
    await add.getByLabel("电子邮箱").fill("new.colleague@demo.cn");
    await add.getByLabel(/初始密码/).fill("handed-over-1");
    await add.getByRole("button", { name: "开通账户" }).click();
    await admin.page.waitForURL(/done=add/);
    await admin.settle();
    const row = admin.page.locator("main tbody tr", { hasText: "new.colleague@demo.cn" });
    expect(await row.innerText()).toMatch(/蒋新同事[\s\S]*成员[\s\S]*待修改初始密码[\s\S]*从未登录/);

    const colleague = await openCheckedPage(browser!, server!.url, chinese, phone, problems, STEP_TIMEOUT);
    await colleague.page.goto("/login?redirectTo=%2Finstitution%2Forders");
    await colleague.page.getByLabel("电子邮箱").fill("new.colleague@demo.cn");
    await colleague.page.getByLabel("密码").fill("handed-over-1");
    await colleague.page.getByRole("button", { name: "登录" }).click();
    await colleague.page.waitForURL(/\/account\?redirectTo=/);
    await colleague.settle();
    expect(await colleague.page.locator("main [role=alert]").first().innerText()).toContain("初始密码");
    await colleague.page.getByLabel("当前密码").fill("handed-over-1");
    await colleague.page.getByLabel(/^新密码/).fill("only-mine-2026");
    await colleague.page.getByLabel("再次输入新密码").fill("only-mine-2026");
    await colleague.page.getByRole("button", { name: "修改密码" }).click();
    await colleague.page.waitForURL(/\/institution\/orders$/);
    await colleague.settle();

    // The administrator switches the account off: the colleague's next page is the log-in.
    await admin.page.reload();
    await row.getByText("停用", { exact: true }).click();
    await row.getByRole("button", { name: "确认停用" }).click();
    await admin.page.waitForURL(/done=disable/);
    await admin.settle();
    await colleague.page.reload();
    await colleague.page.waitForURL(/\/login\?redirectTo=/);
    for (const { context } of [admin, colleague]) await context.close();
    expect(problems).toEqual([]);
  }, 120_000);
});
