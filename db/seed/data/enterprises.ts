import type { Region } from "../../../app/services/accounts/regions";

// Where Luoyang's enterprises sit and what they make. Region codes are those of app/services/accounts/regions.ts;
// area codes are GB/T 2260 after the 2021 reform (偃师 410307, 孟津 410308). Firms in the high-tech zone usually
// register with the city's market regulator, hence 410300.

export interface Industry {
  zh: string;
  en: string;
}

export const INDUSTRIES = {
  bearing: { zh: "轴承", en: "Bearing" },
  precisionBearing: { zh: "精密轴承", en: "Precision Bearing" },
  heavyMachinery: { zh: "重型机械", en: "Heavy Machinery" },
  miningMachinery: { zh: "矿山机械", en: "Mining Machinery" },
  refractories: { zh: "耐火材料", en: "Refractories" },
  newMaterials: { zh: "新材料科技", en: "New Materials Technology" },
  molybdenum: { zh: "钼业", en: "Molybdenum" },
  aluminium: { zh: "铝业", en: "Aluminium" },
  silicon: { zh: "硅材料", en: "Silicon Materials" },
  intelligentEquipment: { zh: "智能装备", en: "Intelligent Equipment" },
  robotics: { zh: "机器人科技", en: "Robotics Technology" },
  electronics: { zh: "电子科技", en: "Electronics Technology" },
  software: { zh: "软件科技", en: "Software Technology" },
  it: { zh: "信息技术", en: "Information Technology" },
  biotech: { zh: "生物科技", en: "Biotechnology" },
  medicalDevices: { zh: "医疗器械", en: "Medical Devices" },
  pharma: { zh: "制药", en: "Pharmaceutical" },
  herbs: { zh: "中药材开发", en: "Chinese Herbal Medicine" },
  newEnergy: { zh: "新能源科技", en: "New Energy Technology" },
  photovoltaic: { zh: "光伏科技", en: "Photovoltaic Technology" },
  storage: { zh: "储能科技", en: "Energy Storage Technology" },
  environmental: { zh: "环保科技", en: "Environmental Technology" },
  waterTreatment: { zh: "水处理设备", en: "Water Treatment Equipment" },
  agritech: { zh: "农业科技", en: "Agricultural Technology" },
  seeds: { zh: "种业", en: "Seed" },
  peony: { zh: "牡丹产业发展", en: "Peony Industry Development" },
  fruit: { zh: "果业", en: "Fruit" },
  food: { zh: "食品", en: "Food" },
  agriMachinery: { zh: "农业装备", en: "Agricultural Equipment" },
  autoParts: { zh: "汽车零部件", en: "Auto Parts" },
  buildingMaterials: { zh: "新型建材", en: "New Building Materials" },
  construction: { zh: "建筑科技", en: "Construction Technology" },
  testing: { zh: "检测技术服务", en: "Testing Services" },
  design: { zh: "工业设计", en: "Industrial Design" },
  culture: { zh: "文化科技", en: "Cultural Technology" },
  ceramics: { zh: "陶瓷艺术", en: "Ceramic Art" },
  chemical: { zh: "化工", en: "Chemical" },
  petrochemEquipment: { zh: "石化装备", en: "Petrochemical Equipment" },
  powerEquipment: { zh: "电力设备", en: "Power Equipment" },
  aviation: { zh: "航空科技", en: "Aviation Technology" },
  optoelectronics: { zh: "光电科技", en: "Optoelectronics Technology" },
  logistics: { zh: "物流科技", en: "Logistics Technology" },
} satisfies Record<string, Industry>;

export type IndustryKey = keyof typeof INDUSTRIES;

export interface District {
  region: Region;
  zh: string;
  en: string;
  area: string;
  /** relative share of the seeded enterprises */
  weight: number;
  /** counties prefix some firm names with the county (栾川县…有限公司) */
  county: boolean;
  industries: IndustryKey[];
}

export const DISTRICTS: readonly District[] = [
  { region: "jianxi", zh: "涧西区", en: "Jianxi District", area: "410305", weight: 30, county: false,
    industries: ["bearing", "heavyMachinery", "miningMachinery", "refractories", "agriMachinery", "testing", "intelligentEquipment", "newMaterials"] },
  { region: "gaoxin", zh: "洛阳高新区", en: "Luoyang High-tech Zone", area: "410300", weight: 32, county: false,
    industries: ["newMaterials", "silicon", "intelligentEquipment", "robotics", "electronics", "optoelectronics", "aviation", "precisionBearing", "software", "testing", "storage"] },
  { region: "yibin", zh: "伊滨区", en: "Yibin District", area: "410300", weight: 6, county: false,
    industries: ["intelligentEquipment", "newMaterials", "electronics", "environmental"] },
  { region: "xigong", zh: "西工区", en: "Xigong District", area: "410303", weight: 15, county: false,
    industries: ["it", "software", "electronics", "construction", "design", "medicalDevices"] },
  { region: "luolong", zh: "洛龙区", en: "Luolong District", area: "410311", weight: 28, county: false,
    industries: ["software", "it", "biotech", "pharma", "medicalDevices", "robotics", "peony", "culture", "environmental", "agriMachinery"] },
  { region: "laocheng", zh: "老城区", en: "Laocheng District", area: "410302", weight: 8, county: false,
    industries: ["culture", "food", "design", "peony", "it"] },
  { region: "chanhe", zh: "瀍河回族区", en: "Chanhe Hui District", area: "410304", weight: 8, county: false,
    industries: ["food", "logistics", "medicalDevices", "autoParts", "environmental"] },
  { region: "yanshi", zh: "偃师区", en: "Yanshi District", area: "410307", weight: 16, county: false,
    industries: ["autoParts", "bearing", "chemical", "pharma", "buildingMaterials", "agriMachinery", "newEnergy"] },
  { region: "mengjin", zh: "孟津区", en: "Mengjin District", area: "410308", weight: 14, county: false,
    industries: ["petrochemEquipment", "chemical", "fruit", "ceramics", "newEnergy", "agritech", "photovoltaic"] },
  { region: "xinan", zh: "新安县", en: "Xin'an County", area: "410323", weight: 12, county: true,
    industries: ["aluminium", "silicon", "powerEquipment", "refractories", "newMaterials", "environmental"] },
  { region: "yiyang", zh: "宜阳县", en: "Yiyang County", area: "410327", weight: 8, county: true,
    industries: ["buildingMaterials", "chemical", "agritech", "food", "newEnergy"] },
  { region: "yichuan", zh: "伊川县", en: "Yichuan County", area: "410329", weight: 12, county: true,
    industries: ["powerEquipment", "aluminium", "refractories", "miningMachinery", "photovoltaic", "buildingMaterials"] },
  { region: "luoning", zh: "洛宁县", en: "Luoning County", area: "410328", weight: 7, county: true,
    industries: ["fruit", "agritech", "food", "seeds", "herbs"] },
  { region: "songxian", zh: "嵩县", en: "Song County", area: "410325", weight: 6, county: true,
    industries: ["herbs", "molybdenum", "food", "environmental"] },
  { region: "luanchuan", zh: "栾川县", en: "Luanchuan County", area: "410324", weight: 8, county: true,
    industries: ["molybdenum", "newMaterials", "environmental", "herbs", "culture"] },
  { region: "ruyang", zh: "汝阳县", en: "Ruyang County", area: "410326", weight: 6, county: true,
    industries: ["food", "molybdenum", "agritech", "herbs"] },
];

/** 字号: two-character trade names with their pinyin. */
export const TRADE_NAMES: readonly (readonly [string, string])[] = [
  ["瑞达", "Ruida"], ["恒通", "Hengtong"], ["华宇", "Huayu"], ["鑫源", "Xinyuan"], ["宏昌", "Hongchang"],
  ["天盛", "Tiansheng"], ["金鹏", "Jinpeng"], ["博远", "Boyuan"], ["德润", "Derun"], ["隆兴", "Longxing"],
  ["伊洛", "Yiluo"], ["河洛", "Heluo"], ["龙门", "Longmen"], ["九都", "Jiudu"], ["洛神", "Luoshen"],
  ["邙山", "Mangshan"], ["嘉和", "Jiahe"], ["启明", "Qiming"], ["卓越", "Zhuoyue"], ["立信", "Lixin"],
  ["海纳", "Haina"], ["凯瑞", "Kairui"], ["盛华", "Shenghua"], ["通达", "Tongda"], ["远航", "Yuanhang"],
  ["精工", "Jinggong"], ["锦程", "Jincheng"], ["弘毅", "Hongyi"], ["银河", "Yinhe"], ["国润", "Guorun"],
  ["万泰", "Wantai"], ["和信", "Hexin"], ["同创", "Tongchuang"], ["安泰", "Antai"], ["华洛", "Hualuo"],
  ["涧河", "Jianhe"], ["伊河", "Yihe"], ["嵩岳", "Songyue"], ["周山", "Zhoushan"], ["天元", "Tianyuan"],
  ["合力", "Heli"], ["百川", "Baichuan"], ["志成", "Zhicheng"], ["众信", "Zhongxin"], ["汇能", "Huineng"],
  ["科达", "Keda"], ["普华", "Puhua"], ["昊天", "Haotian"], ["元正", "Yuanzheng"], ["明德", "Mingde"],
  ["聚能", "Juneng"], ["佰盛", "Baisheng"], ["云帆", "Yunfan"], ["北辰", "Beichen"], ["中润", "Zhongrun"],
  ["新昌", "Xinchang"], ["铭泰", "Mingtai"], ["睿思", "Ruisi"], ["鼎盛", "Dingsheng"], ["宏远", "Hongyuan"],
  ["正源", "Zhengyuan"], ["汇丰源", "Huifengyuan"], ["金石", "Jinshi"], ["长兴", "Changxing"], ["华瑞", "Huarui"],
];

/** Company forms, weighted; the English form is the same for all three. */
export const COMPANY_FORMS: readonly (readonly [string, number])[] = [
  ["有限公司", 62],
  ["股份有限公司", 18],
  ["有限责任公司", 20],
];

/** The demo enterprise: a bearing maker in the high-tech zone (fixed, so the README can name it). */
export const DEMO_ENTERPRISE = {
  name: "洛阳恒信精密轴承有限公司",
  nameEn: "Luoyang Hengxin Precision Bearing Co., Ltd.",
  region: "gaoxin" as Region,
  area: "410300",
};
