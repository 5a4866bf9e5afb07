import { describe, expect, it } from "vitest";
import { formatFenCompact } from "../../app/i18n";

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
