import { describe, expect, it } from "vitest";
import { currentNavItem, navigationFor } from "../../app/navigation";

describe("navigation", () => {
  it("highlights the most specific item for a page, and the home page only on itself", () => {
    const operator = navigationFor("operator");
    const at = (path: string) => currentNavItem(operator, path)?.to ?? null;
    expect(at("/")).toBe("/");
    expect(at("/operator")).toBe("/operator");
    expect(at("/operator/transfers/12")).toBe("/operator");
    expect(at("/operator/payouts")).toBe("/operator/payouts");
    expect(at("/operator/payouts/7")).toBe("/operator/payouts");
    expect(at("/operators")).toBeNull();
    expect(at("/results/5")).toBe("/results");
  });

  it("shows each role its own pages", () => {
    expect(navigationFor(null).map((i) => i.to)).toEqual(["/", "/results", "/screen", "/vouchers"]);
    // Enterprises and the bureau reach vouchers through their own pages; the public page is for everyone else.
    expect(navigationFor("enterprise").map((i) => i.to)).toEqual(expect.arrayContaining(["/enterprise/vouchers"]));
    expect(navigationFor("enterprise").map((i) => i.to)).not.toContain("/vouchers");
    expect(navigationFor("institution").map((i) => i.to)).toContain("/vouchers");
    expect(navigationFor("operator").map((i) => i.to)).toContain("/operator/payouts");
    expect(navigationFor("institution").map((i) => i.to)).not.toContain("/operator/payouts");
  });
});
