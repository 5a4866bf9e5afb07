import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROWSER_PROFILES, openCheckedPage, SCREENS } from "../helpers/browser-checks";
import { assertPrerequisites, e2ePrerequisites, launchChromium } from "../helpers/e2e";
import { startProductionServer, type RunningServer } from "../helpers/server";

// The storefront in a real browser against the production build on a fresh seeded database: results as you type
// without reloading the page, facets, the result page, and the big screen polling its feed.
// STOREFRONT_E2E_URL=http://localhost:PORT runs it against a server you started (e.g. the dev server) instead.

const STEP_TIMEOUT = 20_000;

const external = process.env.STOREFRONT_E2E_URL?.replace(/\/$/, "");
const { missing, skip } = e2ePrerequisites("storefront", { needsBuild: !external });

describe.skipIf(skip)("e2e storefront", () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;

  beforeAll(async () => {
    assertPrerequisites(missing);
    if (!external) server = await startProductionServer({ readyTimeoutMs: 120_000 });
    browser = await launchChromium();
    context = await browser.newContext({ baseURL: external ?? server!.url, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(STEP_TIMEOUT);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 30_000);

  it("shows results as you type, keeps the state in the URL, and filters with a facet, all without reloading", async () => {
    const page = await context.newPage();
    await page.goto("/results");
    await page.evaluate(() => Object.assign(window, { __samePage: true }));
    const total = async () => Number((await page.locator("#sf-count").innerText()).match(/[\d,]+/)![0].replace(/,/g, ""));
    const all = await total();
    expect(all).toBeGreaterThan(1000);

    await page.locator("#sf-q").pressSequentially("传感器", { delay: 60 });
    await page.waitForURL(/q=%E4%BC%A0%E6%84%9F%E5%99%A8/);
    await page.locator(".sf-hits mark").first().waitFor();
    expect(await page.locator(".sf-hits mark").first().innerText()).toMatch(/传感|传感器/);
    const found = await total();
    expect(found).toBeGreaterThan(0);
    expect(found).toBeLessThan(all);

    const field = page.locator('input[name="field"]').first();
    const value = await field.getAttribute("value");
    await field.check();
    await page.waitForURL(new RegExp(`field=${value}`));
    // Two chips: the words and the field, each removable.
    await page.locator(".chips .chip").nth(1).waitFor();
    expect(await page.locator(".chips .chip").count()).toBe(2);
    expect(await page.locator(".chips .chip").first().innerText()).toContain("传感器");
    expect(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage)).toBe(true);

    // Back returns to the unfiltered search, and the box shows its words.
    await page.goBack();
    await page.waitForURL((url) => !url.search.includes("field="));
    expect(await page.locator("#sf-q").inputValue()).toBe("传感器");
    await page.close();
  });

  it("opens a result with its prices and maturity", async () => {
    const page = await context.newPage();
    await page.goto("/results?sort=price_desc");
    const first = page.locator(".sf-hits .hit__title a").first();
    const title = (await first.innerText()).trim();
    await first.click();
    await page.waitForURL(/\/results\/\d+$/);
    // The URL changes before React commits the new page: wait for its heading, not the list's.
    await page.locator("h1", { hasText: title }).waitFor();
    expect((await page.locator("h1").innerText()).trim()).toBe(title);
    expect(await page.locator(".price-table tbody tr").count()).toBeGreaterThan(0);
    expect(await page.locator(".maturity__step.is-current").count()).toBe(1);
    await page.close();
  });

  it("hydrates every storefront page in Chinese and English, on a desktop and a phone, without a mismatch, an overflow or a WCAG 2.1 AA violation", async () => {
    const problems: string[] = [];
    for (const profile of BROWSER_PROFILES) {
      for (const screen of SCREENS) {
        const { context: checked, page, settle } = await openCheckedPage(browser!, external ?? server!.url, profile, screen, problems, STEP_TIMEOUT);
        for (const path of ["/", "/results", "/results?sort=price_desc&voucher=1", "/vouchers", "/screen", "/login", "/signup"]) {
          await page.goto(path);
          await settle();
        }
        await page.goto("/results");
        const href = await page.locator(".sf-hits .hit__title a").first().getAttribute("href");
        await page.goto(href!);
        await settle();
        await checked.close();
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it("runs the big screen without the site header and refreshes its figures from the feed", async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto("/screen");
    expect(await page.locator(".site-header").count()).toBe(0);
    expect(await page.locator(".scr-wall .scr-card").count()).toBeGreaterThan(0);
    expect(await page.locator(".scr-deals__list li").count()).toBeGreaterThan(0);
    const feed = await page.waitForResponse((r) => r.url().endsWith("/screen/data"), { timeout: 30_000 });
    expect(feed.status()).toBe(200);
    const body = (await feed.json()) as { turnover: { contracts: number } };
    await page.waitForFunction(
      (n) => document.querySelector(".scr-turnover__row .scr-figure__value")?.textContent?.replace(/,/g, "") === String(n),
      body.turnover.contracts,
    );
    await page.close();
  }, 60_000);
});
