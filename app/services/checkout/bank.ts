// The operator's collection account for 对公转账. Buyers transfer the cash part here with the order's reference code in
// the memo (附言); the operator matches the bank statement line to the order and confirms it. Stated once, here, so the
// order page, the receipt and the operator's screen show the same account.
export const PLATFORM_BANK_ACCOUNT = {
  payee: "洛阳科技大市场运营管理有限公司",
  payeeEn: "Luoyang Technology Market Operations Co., Ltd.",
  bank: "中国工商银行股份有限公司洛阳西苑路支行",
  bankEn: "ICBC Luoyang Xiyuan Road Sub-branch",
  account: "1705 0215 0920 0088 166",
} as const;
