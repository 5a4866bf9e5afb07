import { describe, expect, it } from "vitest";
import { hasMessage, translator } from "../../app/i18n";
import { renderMarkdown } from "../../app/services/catalogue/markdown";
import {
  fenToYuanInput,
  formValuesOf,
  formatPath,
  parseResultForm,
  parseResultInput,
  parseYuanToFen,
  splitList,
  type ResultInput,
} from "../../app/services/catalogue/listing-input";

const GOOD = {
  title: "高强韧耐磨轴承钢热处理工艺",
  title_en: "Heat treatment for tough bearing steel",
  summary: "贝氏体等温淬火，接触疲劳寿命提高 40%。",
  description: "## 技术指标\n- 硬度 HRC 60",
  field: "new_materials",
  keywords: ["轴承钢", " 热处理 ", "", "轴承钢"],
  trl: 6,
  ip: [{ type: "invention_patent", number: "ZL202110123456.7", status: "granted" }, { type: "trade_secret", number: null, status: "protected" }],
  modes: [
    { mode: "nonexclusive_license", price_yuan: 120000.5 },
    { mode: "assignment", price_yuan: "12.34" },
    { mode: "development", price_yuan: null },
  ],
  inventors: ["王磊", "李娜"],
  region: "jianxi",
  state_funded: true,
  voucher_eligible: false,
};

describe("parseYuanToFen: yuan → integer fen without floats", () => {
  it.each([
    ["12.34", 1234],
    ["0.29", 29],
    ["1,234.5", 123450],
    ["  100 ", 10000],
    ["0.10", 10],
    ["9999999999.99", 999999999999],
    [12.34, 1234],
    [0.29, 29],
    [1.1, 110],
    [120000.5, 12000050],
    [1e5, 10000000],
  ])("%j → %i fen", (input, fen) => {
    expect(parseYuanToFen(input)).toEqual({ ok: true, fen });
  });

  it.each([
    ["0.001", "catalogue.error.price.tooManyDecimals"],
    [0.001, "catalogue.error.price.tooManyDecimals"],
    [1e-7, "catalogue.error.price.tooManyDecimals"],
    ["1.005", "catalogue.error.price.tooManyDecimals"],
    ["-5", "catalogue.error.price.negative"],
    [-0.5, "catalogue.error.price.negative"],
    ["0", "catalogue.error.price.zero"],
    ["0.00", "catalogue.error.price.zero"],
    ["", "catalogue.error.price.required"],
    ["12元", "catalogue.error.price.invalid"],
    ["1e5", "catalogue.error.price.invalid"],
    ["12,34", "catalogue.error.price.invalid"],
    [Number.NaN, "catalogue.error.price.invalid"],
    [true, "catalogue.error.price.invalid"],
    ["10000000000", "catalogue.error.price.tooLarge"],
    [1e21, "catalogue.error.price.tooLarge"],
  ])("%j is refused (%s)", (input, key) => {
    expect(parseYuanToFen(input)).toEqual({ ok: false, key });
  });

  it("formats fen back for the form exactly", () => {
    expect(fenToYuanInput(1234)).toBe("12.34");
    expect(fenToYuanInput(123450)).toBe("1234.5");
    expect(fenToYuanInput(10000)).toBe("100");
    expect(fenToYuanInput(5)).toBe("0.05");
    for (const fen of [1, 29, 110, 999999999999]) expect(parseYuanToFen(fenToYuanInput(fen))).toEqual({ ok: true, fen });
  });
});

describe("parseResultInput", () => {
  it("normalises a good result: trimmed lists, prices in fen, modes in canonical order", () => {
    const parsed = parseResultInput(GOOD);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value).toMatchObject({
      keywords: ["轴承钢", "热处理"],
      modes: [
        { mode: "assignment", price_fen: 1234 },
        { mode: "nonexclusive_license", price_fen: 12000050 },
        { mode: "development", price_fen: null },
      ],
      ip: [
        { type: "invention_patent", number: "ZL202110123456.7", status: "granted" },
        { type: "trade_secret", number: null, status: "protected" },
      ],
      region: "jianxi",
      contact_email: null,
    });
  });

  it("names each bad field, with what was given", () => {
    const parsed = parseResultInput({
      ...GOOD,
      title: "  ",
      field: "nanotech",
      trl: 10,
      modes: [{ mode: "assignment", price_yuan: -3 }, { mode: "assignment", price_yuan: "0.001" }, { mode: "rental", price_yuan: 1 }, { mode: "equity" }],
      ip: [{ type: "invention_patent", number: "", status: "granted" }],
      region: "beijing",
      state_funded: "yes",
      contact_email: "nobody",
      extra: 1,
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const byPath = Object.fromEntries(parsed.problems.map((p) => [formatPath(p.path), p]));
    expect(byPath.title.key).toBe("catalogue.error.required");
    expect(byPath.field).toEqual({ path: ["field"], key: "catalogue.error.field", params: { value: "nanotech" } });
    expect(byPath.trl.key).toBe("catalogue.error.trl");
    expect(byPath["modes[0].price_yuan"].key).toBe("catalogue.error.price.negative");
    expect(byPath["modes[1].price_yuan"].key).toBe("catalogue.error.price.tooManyDecimals");
    expect(byPath["modes[2].mode"].key).toBe("catalogue.error.mode");
    expect(byPath["modes[3].price_yuan"].key).toBe("catalogue.error.price.missing");
    expect(byPath["ip[0].number"].key).toBe("catalogue.error.ipNumberRequired");
    expect(byPath.region.key).toBe("catalogue.error.region");
    expect(byPath.state_funded.key).toBe("catalogue.error.notBoolean");
    expect(byPath.contact_email.key).toBe("catalogue.error.email");
    expect(byPath.extra.key).toBe("catalogue.error.unknownKey");
    // Every message exists in both languages.
    for (const p of parsed.problems) expect(hasMessage(p.key), p.key).toBe(true);
  });

  it("refuses duplicate modes and a result without any mode", () => {
    const dup = parseResultInput({ ...GOOD, modes: [{ mode: "equity", price_yuan: null }, { mode: "equity", price_yuan: 5 }] });
    expect(dup.ok || dup.problems.map((p) => [formatPath(p.path), p.key])).toEqual([["modes[1].mode", "catalogue.error.modeDuplicate"]]);
    const none = parseResultInput({ ...GOOD, modes: [] });
    expect(none.ok || none.problems.map((p) => [formatPath(p.path), p.key])).toEqual([["modes", "catalogue.error.modesRequired"]]);
  });

  it("reports missing required fields of an empty object", () => {
    const parsed = parseResultInput({});
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map((p) => [formatPath(p.path), p.key])).toEqual([
      ["title", "catalogue.error.required"],
      ["summary", "catalogue.error.required"],
      ["field", "catalogue.error.required"],
      ["trl", "catalogue.error.required"],
      ["modes", "catalogue.error.modesRequired"],
    ]);
  });

  it("enforces lengths with the limit in the message", () => {
    const parsed = parseResultInput({ ...GOOD, title: "长".repeat(201) });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems[0]).toMatchObject({ path: ["title"], key: "catalogue.error.tooLong", params: { max: 200 } });
    expect(translator("en")(parsed.problems[0].key, parsed.problems[0].params)).toBe("too long: at most 200 characters");
  });
});

describe("the result form", () => {
  function form(fields: Record<string, string>) {
    const data = new FormData();
    for (const [k, v] of Object.entries(fields)) data.append(k, v);
    return data;
  }

  it("reads modes, prices and IP rows and round-trips through formValuesOf", () => {
    const parsed = parseResultForm(
      form({
        title: "智能巡检机器人",
        summary: "变电站巡检。",
        field: "advanced_manufacturing",
        trl: "7",
        keywords: "机器人，巡检、变电站",
        "mode.assignment": "true",
        "pricing.assignment": "fixed",
        "price.assignment": "350000.00",
        "mode.equity": "true",
        "pricing.equity": "negotiable",
        "price.nonexclusive_license": "100",
        "ip.0.type": "software_copyright",
        "ip.0.number": "2021SR0123456",
        "ip.0.status": "registered",
        "ip.2.type": "trade_secret",
        "ip.2.status": "protected",
        state_funded: "true",
      }),
    );
    expect(parsed.fieldErrors).toEqual({});
    expect(parsed.result.ok).toBe(true);
    if (!parsed.result.ok) return;
    const value: ResultInput = parsed.result.value;
    expect(value.keywords).toEqual(["机器人", "巡检", "变电站"]);
    expect(value.modes).toEqual([
      { mode: "assignment", price_fen: 35000000 },
      { mode: "equity", price_fen: null },
    ]);
    expect(value.ip).toHaveLength(2);
    expect(value.state_funded).toBe(true);
    expect(value.voucher_eligible).toBe(false);
    const again = parseResultForm(form(formValuesOf(value)));
    expect(again.result).toEqual({ ok: true, value });
  });

  it("puts each problem on the form field it belongs to", () => {
    const parsed = parseResultForm(
      form({
        title: "",
        summary: "x",
        field: "biomedicine",
        trl: "0",
        "mode.assignment": "true",
        "pricing.assignment": "fixed",
        "price.assignment": "-1",
        "mode.service": "true",
        "pricing.service": "fixed",
        "ip.3.type": "utility_model",
        "ip.3.status": "granted",
      }),
    );
    expect(Object.fromEntries(Object.entries(parsed.fieldErrors).map(([k, p]) => [k, p.key]))).toEqual({
      title: "catalogue.error.required",
      trl: "catalogue.error.trl",
      "price.assignment": "catalogue.error.price.negative",
      "price.service": "catalogue.error.price.required",
      "ip.3.number": "catalogue.error.ipNumberRequired",
    });
    expect(parsed.values["price.assignment"]).toBe("-1");
  });

  it("asks for a mode when none is ticked", () => {
    const parsed = parseResultForm(form({ title: "t", summary: "s", field: "aerospace", trl: "3" }));
    expect(Object.keys(parsed.fieldErrors)).toEqual(["modes"]);
  });

  it("splits lists on Chinese and Latin separators", () => {
    expect(splitList("甲，乙、丙; 丁\n戊,,")).toEqual(["甲", "乙", "丙", "丁", "戊"]);
  });
});

describe("renderMarkdown", () => {
  it("escapes raw HTML and drops unsafe links", () => {
    const html = renderMarkdown('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n\n[x](javascript:alert(1)) [d](data:text/html,hi)');
    expect(html).not.toMatch(/<script|<img|href="javascript|href="data/i);
    expect(html).toContain("&lt;script&gt;");
  });

  it("renders Markdown with safe external links and headings below the page's own", () => {
    const html = renderMarkdown("# 指标\n\n**硬度** 见 [报告](https://example.com/r.pdf) 与 https://example.org");
    expect(html).toContain("<h3>指标</h3>");
    expect(html).toContain("<strong>硬度</strong>");
    expect(html).toContain('<a href="https://example.com/r.pdf" rel="nofollow noopener" target="_blank">报告</a>');
    expect(html).toContain('href="https://example.org" rel="nofollow noopener"');
  });

  it("shows images as links, not embedded", () => {
    expect(renderMarkdown("![图](https://tracker.example/p.png)")).not.toContain("<img");
  });
});
