// Where an organisation sits: Luoyang's districts and counties (after the 2021 reform that merged 吉利区 into 孟津区
// and turned 偃师市 into a district), the high-tech zone and 伊滨区 where many technology firms register, and "other" for
// institutions outside the city. organisations.region stores the code; labels live in i18n as `region.<code>`.
export const REGIONS = [
  "jianxi",
  "xigong",
  "laocheng",
  "chanhe",
  "luolong",
  "yanshi",
  "mengjin",
  "gaoxin",
  "yibin",
  "xinan",
  "yiyang",
  "yichuan",
  "ruyang",
  "songxian",
  "luanchuan",
  "luoning",
  "other",
] as const;
export type Region = (typeof REGIONS)[number];

export function isRegion(value: unknown): value is Region {
  return typeof value === "string" && (REGIONS as readonly string[]).includes(value);
}
