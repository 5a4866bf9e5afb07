import { describe, expect, it } from "vitest";
import { creditCodeCheckChar, creditCodeProblem, makeCreditCode, normaliseCreditCode } from "../../app/services/accounts/credit-code";

// Real codes from public registrations: the GB 32100-2015 example, Beijing Xiaomi Technology, Tencent (Shenzhen) and
// Huawei Technologies. Their last characters cover a letter, a digit and the letter after a digit run.
const REAL_CODES = ["91350100M000100Y43", "91110108551385082Q", "9144030071526726XG", "914403001922038216"];

describe("unified social credit code", () => {
  it.each(REAL_CODES)("accepts the real code %s", (code) => {
    expect(creditCodeProblem(code)).toBeNull();
    expect(creditCodeCheckChar(code.slice(0, 17))).toBe(code[17]);
  });

  it("accepts lower case and surrounding spaces, and normalises them", () => {
    expect(creditCodeProblem(" 9144030071526726xg ")).toBeNull();
    expect(normaliseCreditCode(" 9144030071526726xg ")).toBe("9144030071526726XG");
  });

  it("refuses a wrong check character", () => {
    // 911100001000009640 circulates as an example but its check character is F, not 0.
    expect(creditCodeProblem("911100001000009640")).toBe("checksum");
    expect(creditCodeProblem("91110000100000964F")).toBeNull();
    expect(creditCodeProblem("91350100M000100Y44")).toBe("checksum");
  });

  it("catches every single-character typo in the body", () => {
    const code = REAL_CODES[0];
    for (let i = 0; i < 17; i++) {
      const replacement = code[i] === "1" ? "2" : "1";
      const typo = code.slice(0, i) + replacement + code.slice(i + 1);
      expect(creditCodeProblem(typo), typo).toBe("checksum");
    }
  });

  it("refuses a wrong length", () => {
    expect(creditCodeProblem("")).toBe("length");
    expect(creditCodeProblem("91350100M000100Y4")).toBe("length");
    expect(creditCodeProblem("91350100M000100Y433")).toBe("length");
  });

  it("refuses characters outside the code alphabet (I, O, Z, S, V and punctuation)", () => {
    for (const bad of ["I", "O", "Z", "S", "V", "-", "中"]) {
      expect(creditCodeProblem(`91350100M000100${bad}43`), bad).toBe("characters");
    }
  });

  it("builds valid codes for the seed", () => {
    const code = makeCreditCode("91", "410300", "MA44X2Y7K");
    expect(code).toHaveLength(18);
    expect(creditCodeProblem(code)).toBeNull();
    expect(() => makeCreditCode("91", "4103", "MA44X2Y7K")).toThrow();
  });
});
