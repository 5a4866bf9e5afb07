import { describe, expect, it } from "vitest";
import { creditCodeProblem } from "../../app/services/accounts/credit-code";
import { FIELD_CODES } from "../../db/schema";
import { apportion, buildResults, fillRanges, roundYuan, titleCombinations, type ResultInstitution } from "../../db/seed/build-results";
import { ipNumber, organisationCodeCheckChar, patentCheckDigit, uniqueCreditCode } from "../../db/seed/codes";
import { FIELD_TEMPLATES } from "../../db/seed/data/fields";
import { INSTITUTIONS } from "../../db/seed/data/institutions";
import { buildEnterprises } from "../../db/seed/organisations";
import { createRng } from "../../db/seed/random";

const NOW = new Date("2026-03-01T08:00:00Z");

function institutions(): ResultInstitution[] {
  return INSTITUTIONS.map((spec, i) => ({
    id: i + 1,
    spec,
    userIds: [1000 + i],
    contact: { name: "王芳", phone: "0379-64280000", email: `tto.${spec.slug}@seed.invalid` },
  }));
}

describe("seed random stream", () => {
  it("repeats for the same seed and differs between step names", () => {
    const a = createRng("20260101:results");
    const b = createRng("20260101:results");
    const c = createRng("20260101:users");
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
    for (const v of seqA) expect(v >= 0 && v < 1).toBe(true);
  });

  it("picks by weight and samples without repeats", () => {
    const rng = createRng(7);
    const picks = Array.from({ length: 2000 }, () => rng.weighted([["a", 9], ["b", 1]] as const));
    const share = picks.filter((p) => p === "a").length / picks.length;
    expect(share).toBeGreaterThan(0.85);
    expect(share).toBeLessThan(0.95);
    const sample = rng.sample([1, 2, 3, 4, 5, 6], 4);
    expect(new Set(sample).size).toBe(4);
  });
});

describe("seed identifiers", () => {
  it("computes CN patent check digits as CNIPA does (published numbers)", () => {
    for (const n of ["201910603565.1", "201911044411.X", "201910377061.2", "201910725275.4", "201910460277.5"]) {
      const [digits, check] = n.split(".");
      expect(patentCheckDigit(digits), n).toBe(check);
    }
  });

  it("computes organisation-code check characters as GB 11714 does (registered companies)", () => {
    for (const code of ["91330100799655058B", "9144030071526726XG", "914403001922038216"]) {
      expect(organisationCodeCheckChar(code.slice(8, 16)), code).toBe(code[16]);
    }
  });

  it("makes distinct, valid credit codes with the right prefix and area", () => {
    const rng = createRng(1);
    const used = new Set<string>();
    const codes = Array.from({ length: 300 }, (_, i) => uniqueCreditCode(rng, i % 2 ? "enterprise" : "public_institution", "410305", used));
    expect(new Set(codes).size).toBe(300);
    for (const [i, code] of codes.entries()) {
      expect(creditCodeProblem(code), code).toBeNull();
      expect(code.slice(0, 8)).toBe(`${i % 2 ? "91" : "12"}410305`);
      expect(organisationCodeCheckChar(code.slice(8, 16))).toBe(code[16]);
    }
  });

  it("formats IP numbers by type and never repeats one", () => {
    const rng = createRng(2);
    const used = new Set<string>();
    expect(ipNumber(rng, "invention_patent", "granted", used)).toMatch(/^ZL20(1[3-9]|2[0-2])1\d{7}\.[\dX]$/);
    expect(ipNumber(rng, "invention_patent", "pending", used)).toMatch(/^202[2-5]1\d{7}\.[\dX]$/);
    expect(ipNumber(rng, "utility_model", "granted", used)).toMatch(/^ZL20\d\d2\d{7}\.[\dX]$/);
    expect(ipNumber(rng, "software_copyright", "registered", used)).toMatch(/^20\d\dSR\d{7}$/);
    expect(ipNumber(rng, "trade_secret", "protected", used)).toBeNull();
    for (let i = 0; i < 2000; i++) ipNumber(rng, "design_patent", "granted", used);
    expect(used.size).toBe(2004);
  });
});

describe("seed text and prices", () => {
  it("fills {min-max} ranges with the decimals written", () => {
    const rng = createRng(3);
    for (let i = 0; i < 200; i++) {
      const text = fillRanges(rng, "效率 {96.0-99.2}%，寿命 {3-8} 年，产能 {800-5000} t/h");
      const m = /^效率 (\d+\.\d)%，寿命 (\d) 年，产能 (\d+) t\/h$/.exec(text);
      expect(m, text).not.toBeNull();
      expect(Number(m?.[1])).toBeGreaterThanOrEqual(96);
      expect(Number(m?.[1])).toBeLessThanOrEqual(99.2);
      expect(Number(m?.[3]) % 10).toBe(0);
    }
  });

  it("rounds quoted prices to figures a person would write", () => {
    expect(roundYuan(38_420)).toBe(38_000);
    expect(roundYuan(263_900)).toBe(260_000);
    expect(roundYuan(1_234_567)).toBe(1_250_000);
    expect(roundYuan(200)).toBe(1_000);
  });

  it("splits totals exactly in proportion", () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(2460, FIELD_TEMPLATES.map((t) => t.weight)).reduce((a, b) => a + b, 0)).toBe(2460);
  });

  it("has templates for all ten fields with enough distinct titles", () => {
    expect(FIELD_TEMPLATES.map((t) => t.field).sort()).toEqual([...FIELD_CODES].sort());
    for (const template of FIELD_TEMPLATES) {
      const titles = titleCombinations(template).map((c) => c.zh);
      expect(new Set(titles).size, template.field).toBe(titles.length);
      expect(titles.length, template.field).toBeGreaterThanOrEqual(250);
    }
  });
});

describe("seed builders", () => {
  it("build the same enterprises and results for the same seed, and others for another", () => {
    const build = (seed: string) => ({
      enterprises: buildEnterprises(createRng(`${seed}:organisations`), 240),
      results: buildResults({ rng: createRng(`${seed}:results`), now: NOW, institutions: institutions(), demoAuthor: { institutionId: 1, userId: 1 } }),
    });
    const first = build("1");
    expect(JSON.stringify(build("1"))).toBe(JSON.stringify(first));
    expect(build("2").results[0].row.title).not.toBe(first.results[0].row.title);

    expect(first.enterprises).toHaveLength(240);
    expect(new Set(first.enterprises.map((e) => e.name)).size).toBe(240);
    const titles = first.results.map((r) => r.row.title);
    expect(new Set(titles).size).toBe(titles.length);
    const withEnglish = first.results.filter((r) => r.row.title_en).length;
    expect(withEnglish / first.results.length).toBeGreaterThan(0.4);
  });

  it("write listings with concrete figures and a Markdown description", () => {
    const results = buildResults({ rng: createRng("x:results"), now: NOW, institutions: institutions() });
    for (const r of results.slice(0, 300)) {
      expect(r.row.summary).toMatch(/\d/);
      expect(r.row.description).toMatch(/^## 成果简介\n/);
      expect(r.row.description).toContain("## 主要技术指标\n- ");
      expect((r.row.description ?? "").match(/^- .*\d/gm)?.length ?? 0).toBeGreaterThanOrEqual(3);
      expect(r.row.keywords?.length).toBeGreaterThanOrEqual(3);
      expect(r.row.inventors?.length).toBeGreaterThanOrEqual(2);
      expect(r.modes.length).toBeGreaterThanOrEqual(1);
      expect(r.row.status === "rejected").toBe(Boolean(r.row.rejection_reason));
    }
  });
});
