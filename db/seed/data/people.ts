import type { Rng } from "../random";

// Common surnames, weighted roughly by frequency (王李张刘陈 cover about a third of the population).
const SURNAMES: readonly (readonly [string, number])[] = [
  ["王", 72], ["李", 71], ["张", 66], ["刘", 54], ["陈", 46], ["杨", 33], ["赵", 20], ["黄", 19], ["周", 18], ["吴", 18],
  ["徐", 14], ["孙", 14], ["胡", 11], ["朱", 11], ["高", 11], ["林", 9], ["何", 9], ["郭", 12], ["马", 12], ["罗", 8],
  ["梁", 7], ["宋", 8], ["郑", 8], ["谢", 6], ["韩", 6], ["唐", 6], ["冯", 6], ["于", 6], ["董", 6], ["萧", 2],
  ["程", 5], ["曹", 5], ["袁", 5], ["邓", 5], ["许", 5], ["傅", 4], ["沈", 4], ["曾", 4], ["彭", 4], ["吕", 4],
  ["苏", 4], ["卢", 4], ["蒋", 4], ["蔡", 4], ["贾", 4], ["丁", 4], ["魏", 4], ["薛", 3], ["叶", 3], ["阎", 3],
  ["余", 3], ["潘", 3], ["杜", 3], ["戴", 3], ["夏", 3], ["钟", 3], ["汪", 3], ["田", 3], ["任", 3], ["姜", 3],
  ["范", 3], ["方", 3], ["石", 3], ["姚", 3], ["谭", 2], ["廖", 2], ["邹", 2], ["熊", 2], ["金", 2], ["陆", 2],
  ["郝", 2], ["孔", 2], ["白", 2], ["崔", 2], ["康", 2], ["毛", 2], ["邱", 2], ["秦", 2], ["江", 2], ["史", 2],
  ["顾", 2], ["侯", 2], ["邵", 2], ["孟", 2], ["龙", 2], ["万", 2], ["段", 2], ["雷", 2], ["钱", 2], ["汤", 2],
  ["尹", 2], ["黎", 2], ["易", 2], ["常", 2], ["武", 2], ["乔", 2], ["贺", 2], ["赖", 2], ["龚", 2], ["文", 2],
];

const GIVEN_FIRST = "志建海晓文国永春红宏俊子家振立雅思佳梓浩明德玉秀学伟新天世嘉宇欣振长军兆庆鹏云晨凯培敬慧克".split("");
const GIVEN_SECOND = "华明强军平伟杰峰磊涛辉鹏斌宇婷静颖琳敏慧轩然博远航东林刚超勇洁丽娜芳霞军昊阳涵睿晗恒瑞彬岩帆".split("");
const GIVEN_SINGLE = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚飞斌鹏辉晶健浩凯宁亮帅俊峰彤蕾楠".split("");

/** A Chinese personal name: a surname and a one- or two-character given name. */
export function chineseName(rng: Rng): string {
  const surname = rng.weighted(SURNAMES);
  if (rng.chance(0.28)) return surname + rng.pick(GIVEN_SINGLE);
  let first = rng.pick(GIVEN_FIRST);
  let second = rng.pick(GIVEN_SECOND);
  if (first === second) second = rng.pick(GIVEN_SINGLE);
  if (first === surname) first = "德";
  return surname + first + second;
}

/** n distinct names. */
export function chineseNames(rng: Rng, n: number): string[] {
  const names = new Set<string>();
  while (names.size < n) names.add(chineseName(rng));
  return [...names];
}

/** A mainland mobile number (13x/15x/18x/19x). */
export function mobilePhone(rng: Rng): string {
  return `1${rng.pick(["35", "36", "37", "38", "39", "50", "51", "52", "58", "59", "82", "83", "87", "88", "98"])}${String(rng.int(0, 99_999_999)).padStart(8, "0")}`;
}

/** An office landline in the given city's area code, e.g. 0379-64281234 in Luoyang. */
export function landline(rng: Rng, areaCode: string): string {
  return `${areaCode}-${rng.pick(["6", "6", "8"])}${String(rng.int(0, 9_999_999)).padStart(7, "0")}`;
}
