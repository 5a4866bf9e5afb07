import axe from "axe-core";
import type { Browser, BrowserContext, Page } from "playwright-core";

// What every page must pass in a real browser, whoever opens it: it hydrates as the server rendered it (no console
// error, no uncaught error), it is no wider than the window, no amount of money breaks over lines, the header's account
// buttons stay beside the brand, and axe finds nothing against WCAG 2.1 A and AA (contrast, names, labels, keyboard
// access to what scrolls).

/** A Chinese browser in China and an English one elsewhere: server-rendered dates and numbers must not change. */
export const BROWSER_PROFILES = [
  { locale: "zh-CN", timezoneId: "Asia/Shanghai", langCookie: null },
  { locale: "en-US", timezoneId: "America/New_York", langCookie: "ImVuIg%3D%3D" }, // the lang cookie as the app writes "en"
] as const;

export const SCREENS = [
  { width: 1280, height: 900 },
  { width: 390, height: 844 },
] as const;

export type BrowserProfile = (typeof BROWSER_PROFILES)[number];
export type Screen = (typeof SCREENS)[number];

/** A page in a fresh context for the profile and screen whose problems are pushed to `problems`, named by place. */
export async function openCheckedPage(
  browser: Browser,
  baseURL: string,
  profile: BrowserProfile,
  screen: Screen,
  problems: string[],
  stepTimeoutMs: number,
): Promise<{ context: BrowserContext; page: Page; where: () => string; settle: () => Promise<void> }> {
  const context = await browser.newContext({ baseURL, locale: profile.locale, timezoneId: profile.timezoneId, viewport: screen });
  context.setDefaultTimeout(stepTimeoutMs);
  if (profile.langCookie) await context.addCookies([{ name: "lang", value: profile.langCookie, url: baseURL }]);
  const page = await context.newPage();
  const where = () => `${profile.locale} ${screen.width}px ${new URL(page.url()).pathname}`;
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`${where()}: ${message.text().split("\n")[0]}`);
  });
  page.on("pageerror", (error) => problems.push(`${where()}: ${error.message}`));
  /** Waits for the page to finish loading and hydrating, then checks that it fits the window. */
  const settle = async () => {
    await page.waitForLoadState("networkidle");
    const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    if (scrollWidth > innerWidth + 1) problems.push(`${where()}: ${scrollWidth}px wide on a ${innerWidth}px screen`);
    // An amount of money is read at a glance: it never breaks over two lines.
    const broken = await page.evaluate(() =>
      [...document.querySelectorAll(".money dd")]
        .filter((dd) => {
          // The text's line boxes, not the cell's height: a grid row is as tall as its longest label.
          const range = document.createRange();
          range.selectNodeContents(dd);
          return new Set([...range.getClientRects()].map((rect) => Math.round(rect.bottom))).size > 1;
        })
        .map((dd) => dd.textContent ?? ""),
    );
    for (const amount of broken) problems.push(`${where()}: the amount ${amount} breaks over lines`);
    // The header keeps the account buttons beside the brand (the menu is the only second row), whatever the language.
    const headerRows = await page.evaluate(() => {
      const brand = document.querySelector(".site-header .brand");
      const actions = document.querySelector(".site-header__actions");
      return brand && actions ? Math.abs(brand.getBoundingClientRect().top - actions.getBoundingClientRect().top) > 8 : false;
    });
    if (headerRows) problems.push(`${where()}: the header's account buttons wrap below the brand`);
    for (const violation of await accessibilityViolations(page)) problems.push(`${where()}: ${violation}`);
  };
  return { context, page, where, settle };
}

const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** axe's WCAG 2.1 A/AA violations on the page as it stands, each with up to three of the elements at fault. */
async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axe.source });
  return page.evaluate(async (tags) => {
    const { violations } = await (window as unknown as { axe: typeof axe }).axe.run(document, { runOnly: { type: "tag", values: tags } });
    return violations.map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ")}`);
  }, WCAG_TAGS);
}
