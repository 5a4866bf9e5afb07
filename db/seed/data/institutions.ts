import type { Region } from "../../../app/services/accounts/regions";
import type { FieldCode, InstitutionType } from "../../schema";

// Universities and research institutes that list results: Luoyang's own first, then Henan's, then a few national
// ones that license into Luoyang. Weights set each one's share of the results; fields are what it is known for.

export interface InstitutionSpec {
  name: string;
  nameEn: string;
  type: InstitutionType;
  /** region code (app/services/accounts/regions.ts): "other" outside Luoyang */
  region: Region;
  /** GB/T 2260 area code used in its credit code */
  area: string;
  /** telephone area code */
  phoneArea: string;
  /** short name for seeded contact addresses */
  slug: string;
  weight: number;
  fields: FieldCode[];
}

export const INSTITUTIONS: readonly InstitutionSpec[] = [
  // Luoyang
  { name: "河南科技大学", nameEn: "Henan University of Science and Technology", type: "university", region: "luolong", area: "410311", phoneArea: "0379", slug: "haust", weight: 14,
    fields: ["advanced_manufacturing", "new_materials", "modern_agriculture", "biomedicine", "electronic_information", "new_energy"] },
  { name: "洛阳理工学院", nameEn: "Luoyang Institute of Science and Technology", type: "university", region: "luolong", area: "410311", phoneArea: "0379", slug: "lit", weight: 6,
    fields: ["new_materials", "advanced_manufacturing", "urban_social", "electronic_information"] },
  { name: "洛阳师范学院", nameEn: "Luoyang Normal University", type: "university", region: "luolong", area: "410311", phoneArea: "0379", slug: "lynu", weight: 3,
    fields: ["electronic_information", "resources_environment", "hightech_services", "urban_social"] },
  { name: "洛阳职业技术学院", nameEn: "Luoyang Polytechnic", type: "university", region: "yanshi", area: "410307", phoneArea: "0379", slug: "lypt", weight: 2,
    fields: ["advanced_manufacturing", "hightech_services", "electronic_information"] },
  { name: "河南林业职业学院", nameEn: "Henan Forestry Vocational College", type: "university", region: "luolong", area: "410311", phoneArea: "0379", slug: "hnfvc", weight: 1.5,
    fields: ["modern_agriculture", "resources_environment"] },
  { name: "中国船舶集团有限公司第七二五研究所", nameEn: "Luoyang Ship Material Research Institute (CSSC No. 725)", type: "institute", region: "gaoxin", area: "410300", phoneArea: "0379", slug: "lsmri", weight: 6,
    fields: ["new_materials", "advanced_manufacturing", "resources_environment", "aerospace"] },
  { name: "中国航空工业集团有限公司洛阳电光设备研究所", nameEn: "AVIC Luoyang Institute of Electro-Optical Equipment", type: "institute", region: "jianxi", area: "410305", phoneArea: "0379", slug: "leoei", weight: 4,
    fields: ["aerospace", "electronic_information"] },
  { name: "中钢集团洛阳耐火材料研究院", nameEn: "Sinosteel Luoyang Institute of Refractories Research", type: "institute", region: "jianxi", area: "410305", phoneArea: "0379", slug: "lirr", weight: 4,
    fields: ["new_materials", "resources_environment", "new_energy"] },
  { name: "洛阳轴承研究所", nameEn: "Luoyang Bearing Research Institute", type: "institute", region: "jianxi", area: "410305", phoneArea: "0379", slug: "zys", weight: 4,
    fields: ["advanced_manufacturing", "new_materials", "hightech_services"] },
  { name: "洛阳拖拉机研究所", nameEn: "Luoyang Tractor Research Institute", type: "institute", region: "jianxi", area: "410305", phoneArea: "0379", slug: "ltri", weight: 3,
    fields: ["advanced_manufacturing", "modern_agriculture", "new_energy"] },
  { name: "洛阳有色金属加工设计研究院", nameEn: "Luoyang Nonferrous Metals Processing Design Institute", type: "institute", region: "jianxi", area: "410305", phoneArea: "0379", slug: "lnmpdi", weight: 3,
    fields: ["new_materials", "advanced_manufacturing", "resources_environment"] },
  { name: "洛阳矿山机械工程设计研究院", nameEn: "Luoyang Mining Machinery Engineering Design Institute", type: "institute", region: "jianxi", area: "410305", phoneArea: "0379", slug: "lmmedi", weight: 3,
    fields: ["advanced_manufacturing", "resources_environment", "new_energy"] },
  { name: "洛阳市农林科学院", nameEn: "Luoyang Academy of Agriculture and Forestry Sciences", type: "institute", region: "luolong", area: "410311", phoneArea: "0379", slug: "lyaafs", weight: 4,
    fields: ["modern_agriculture", "resources_environment", "biomedicine"] },
  { name: "河南省正骨研究院", nameEn: "Henan Provincial Orthopaedic Research Institute", type: "institute", region: "chanhe", area: "410304", phoneArea: "0379", slug: "hnori", weight: 3,
    fields: ["biomedicine"] },
  { name: "洛阳市城市规划设计研究院", nameEn: "Luoyang Urban Planning and Design Institute", type: "institute", region: "xigong", area: "410303", phoneArea: "0379", slug: "lyupdi", weight: 1.5,
    fields: ["urban_social", "resources_environment"] },
  { name: "洛阳市水利勘测设计研究院", nameEn: "Luoyang Water Resources Survey and Design Institute", type: "institute", region: "xigong", area: "410303", phoneArea: "0379", slug: "lywrsdi", weight: 1.5,
    fields: ["urban_social", "resources_environment", "modern_agriculture"] },
  { name: "龙门石窟研究院", nameEn: "Longmen Grottoes Research Academy", type: "institute", region: "luolong", area: "410311", phoneArea: "0379", slug: "lmgra", weight: 1,
    fields: ["urban_social", "hightech_services"] },
  // Henan
  { name: "郑州大学", nameEn: "Zhengzhou University", type: "university", region: "other", area: "410102", phoneArea: "0371", slug: "zzu", weight: 7,
    fields: ["biomedicine", "new_materials", "electronic_information", "urban_social", "new_energy"] },
  { name: "河南大学", nameEn: "Henan University", type: "university", region: "other", area: "410202", phoneArea: "0371", slug: "henu", weight: 3,
    fields: ["biomedicine", "resources_environment", "hightech_services", "modern_agriculture"] },
  { name: "河南农业大学", nameEn: "Henan Agricultural University", type: "university", region: "other", area: "410105", phoneArea: "0371", slug: "henau", weight: 5,
    fields: ["modern_agriculture", "biomedicine", "resources_environment"] },
  { name: "河南理工大学", nameEn: "Henan Polytechnic University", type: "university", region: "other", area: "410811", phoneArea: "0391", slug: "hpu", weight: 4,
    fields: ["resources_environment", "new_energy", "advanced_manufacturing", "urban_social"] },
  { name: "河南工业大学", nameEn: "Henan University of Technology", type: "university", region: "other", area: "410102", phoneArea: "0371", slug: "haut", weight: 3,
    fields: ["modern_agriculture", "electronic_information", "advanced_manufacturing"] },
  { name: "郑州轻工业大学", nameEn: "Zhengzhou University of Light Industry", type: "university", region: "other", area: "410102", phoneArea: "0371", slug: "zzuli", weight: 3,
    fields: ["electronic_information", "modern_agriculture", "advanced_manufacturing", "hightech_services"] },
  { name: "华北水利水电大学", nameEn: "North China University of Water Resources and Electric Power", type: "university", region: "other", area: "410105", phoneArea: "0371", slug: "ncwu", weight: 3,
    fields: ["urban_social", "resources_environment", "new_energy"] },
  { name: "河南师范大学", nameEn: "Henan Normal University", type: "university", region: "other", area: "410711", phoneArea: "0373", slug: "htu", weight: 2,
    fields: ["new_energy", "biomedicine", "new_materials"] },
  { name: "河南中医药大学", nameEn: "Henan University of Chinese Medicine", type: "university", region: "other", area: "410105", phoneArea: "0371", slug: "hactcm", weight: 2,
    fields: ["biomedicine", "modern_agriculture"] },
  { name: "新乡医学院", nameEn: "Xinxiang Medical University", type: "university", region: "other", area: "410711", phoneArea: "0373", slug: "xxmu", weight: 2,
    fields: ["biomedicine"] },
  { name: "中原工学院", nameEn: "Zhongyuan University of Technology", type: "university", region: "other", area: "410105", phoneArea: "0371", slug: "zut", weight: 2,
    fields: ["new_materials", "electronic_information", "advanced_manufacturing"] },
  { name: "河南省科学院", nameEn: "Henan Academy of Sciences", type: "institute", region: "other", area: "410105", phoneArea: "0371", slug: "hnas", weight: 3,
    fields: ["new_materials", "electronic_information", "resources_environment", "biomedicine", "hightech_services"] },
  { name: "河南省农业科学院", nameEn: "Henan Academy of Agricultural Sciences", type: "institute", region: "other", area: "410105", phoneArea: "0371", slug: "hnaas", weight: 4,
    fields: ["modern_agriculture", "biomedicine"] },
  { name: "中国农业科学院郑州果树研究所", nameEn: "Zhengzhou Fruit Research Institute, CAAS", type: "institute", region: "other", area: "410104", phoneArea: "0371", slug: "zfri", weight: 2,
    fields: ["modern_agriculture"] },
  { name: "郑州机械研究所", nameEn: "Zhengzhou Research Institute of Mechanical Engineering", type: "institute", region: "other", area: "410102", phoneArea: "0371", slug: "zrime", weight: 3,
    fields: ["advanced_manufacturing", "new_materials", "hightech_services"] },
  { name: "中国电子科技集团公司第二十七研究所", nameEn: "CETC No. 27 Research Institute", type: "institute", region: "other", area: "410105", phoneArea: "0371", slug: "cetc27", weight: 2,
    fields: ["aerospace", "electronic_information"] },
  { name: "中国船舶集团有限公司第七一三研究所", nameEn: "CSSC No. 713 Research Institute", type: "institute", region: "other", area: "410102", phoneArea: "0371", slug: "cssc713", weight: 2,
    fields: ["advanced_manufacturing", "aerospace", "electronic_information"] },
  { name: "河南省交通规划设计研究院", nameEn: "Henan Provincial Communications Planning and Design Institute", type: "institute", region: "other", area: "410105", phoneArea: "0371", slug: "hncpdi", weight: 1.5,
    fields: ["urban_social", "hightech_services"] },
  // National
  { name: "西安交通大学", nameEn: "Xi'an Jiaotong University", type: "university", region: "other", area: "610103", phoneArea: "029", slug: "xjtu", weight: 3,
    fields: ["new_energy", "electronic_information", "advanced_manufacturing", "biomedicine"] },
  { name: "西北工业大学", nameEn: "Northwestern Polytechnical University", type: "university", region: "other", area: "610103", phoneArea: "029", slug: "nwpu", weight: 3,
    fields: ["aerospace", "new_materials", "advanced_manufacturing"] },
  { name: "北京理工大学", nameEn: "Beijing Institute of Technology", type: "university", region: "other", area: "110108", phoneArea: "010", slug: "bit", weight: 2,
    fields: ["aerospace", "electronic_information", "new_energy"] },
  { name: "华中科技大学", nameEn: "Huazhong University of Science and Technology", type: "university", region: "other", area: "420111", phoneArea: "027", slug: "hust", weight: 3,
    fields: ["electronic_information", "advanced_manufacturing", "biomedicine", "new_energy"] },
  { name: "哈尔滨工业大学", nameEn: "Harbin Institute of Technology", type: "university", region: "other", area: "230103", phoneArea: "0451", slug: "hit", weight: 2,
    fields: ["aerospace", "advanced_manufacturing", "urban_social"] },
  { name: "中国农业大学", nameEn: "China Agricultural University", type: "university", region: "other", area: "110108", phoneArea: "010", slug: "cau", weight: 2,
    fields: ["modern_agriculture", "resources_environment"] },
  { name: "中国科学院金属研究所", nameEn: "Institute of Metal Research, Chinese Academy of Sciences", type: "institute", region: "other", area: "210103", phoneArea: "024", slug: "imr", weight: 2,
    fields: ["new_materials", "aerospace"] },
  { name: "中国科学院过程工程研究所", nameEn: "Institute of Process Engineering, Chinese Academy of Sciences", type: "institute", region: "other", area: "110108", phoneArea: "010", slug: "ipe", weight: 2,
    fields: ["resources_environment", "new_energy", "new_materials"] },
];

/** The demo researcher's institution. */
export const DEMO_INSTITUTION = "河南科技大学";
