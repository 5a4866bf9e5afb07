import { describe, expect, it } from "vitest";
import { amountParts, compactPrice } from "../../app/components/storefront/screen-amounts";
import { formatFenCompact } from "../../app/i18n";
import { bureauAmount } from "../../app/services/stats/sentence";

describe("formatFenCompact", () => {
  it("writes large English sums with K, M and B, keeping only the decimals that count", () => {
    expect(formatFenCompact(450_000_000_000, "en")).toBe("CN¥4.5B");
    expect(formatFenCompact(456_000_000_000, "en")).toBe("CN¥4.56B");
    expect(formatFenCompact(123_456_700, "en")).toBe("CN¥1.23M");
    expect(formatFenCompact(1_234_500, "en")).toBe("CN¥12.35K");
    expect(formatFenCompact(99_950, "en")).toBe("CN¥999.5");
    expect(formatFenCompact(0, "en")).toBe("CN¥0");
    expect(formatFenCompact(-250_000_000, "en")).toBe("-CN¥2.5M");
  });

  it("moves up a unit when rounding reaches a thousand of the smaller one", () => {
    expect(formatFenCompact(99_999_900, "en")).toBe("CN¥1M");
    expect(formatFenCompact(99_999_600, "en")).toBe("CN¥1M");
    expect(formatFenCompact(99_999_400, "en")).toBe("CN¥999.99K");
  });

  it("writes Chinese sums in 亿元, 万元 and 元", () => {
    expect(formatFenCompact(512_700_000_000, "zh-CN")).toBe("51.27亿元");
    expect(formatFenCompact(773_810_000, "zh-CN")).toBe("773.8万元");
    expect(formatFenCompact(512_300, "zh-CN")).toBe("5123元");
    expect(formatFenCompact(9_999_999_900, "zh-CN")).toBe("1.00亿元");
    expect(formatFenCompact(9_999_400_000, "zh-CN")).toBe("9999.4万元");
    expect(formatFenCompact(999_960, "zh-CN")).toBe("1.0万元");
    expect(formatFenCompact(999_940, "zh-CN")).toBe("9999元");
  });
});

describe("sums written in units elsewhere", () => {
  it("the big screen's figures and card prices move up a unit when rounding reaches it", () => {
    expect(amountParts(538_000_000_000, "zh-CN")).toEqual({ value: "53.80", unit: "亿元" });
    expect(amountParts(9_999_960_000, "zh-CN")).toEqual({ value: "1.00", unit: "亿元" });
    expect(amountParts(9_999_940_000, "zh-CN")).toEqual({ value: "9999.9", unit: "万元" });
    expect(amountParts(999_960, "zh-CN")).toEqual({ value: "1.0", unit: "万元" });
    expect(amountParts(300_000, "zh-CN")).toEqual({ value: "3,000", unit: "元" });
    expect(amountParts(99_999_999_000, "en")).toEqual({ value: "1.00", unit: "bn yuan" });
    expect(amountParts(99_999_999, "en")).toEqual({ value: "1.0", unit: "m yuan" });
    expect(compactPrice(120_000_000, "zh-CN")).toBe("120万元");
    expect(compactPrice(12_500_000, "zh-CN")).toBe("12.5万元");
    expect(compactPrice(9_999_999_900, "zh-CN")).toBe("1亿元");
    expect(compactPrice(99_990, "en")).toBe("¥1k");
    expect(compactPrice(30_000, "en")).toBe("¥300");
  });

  it("the bureau's published sentence writes 1.0亿元, not 10,000.0万元", () => {
    expect(bureauAmount(9_999_960_000, "zh-CN")).toBe("1.0亿元");
    expect(bureauAmount(9_999_940_000, "zh-CN")).toBe("9,999.9万元");
    expect(bureauAmount(99_999_960_000, "en")).toBe("¥1.0 billion");
    expect(bureauAmount(-538_000_000_000, "zh-CN")).toBe("-53.8亿元");
  });
});
