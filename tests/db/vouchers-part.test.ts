import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { CheckoutError, startCheckout } from "../../app/services/checkout";
import {
  computeVoucherPart,
  quoteVoucherPart,
  VoucherError,
  type VoucherPartInput,
} from "../../app/services/vouchers";
import { describeEachEngine } from "../helpers/db";
import {
  createParties,
  createParty,
  createTestProgramme,
  holdThroughCheckout,
  issueVoucher,
  listedLicence,
  NOW,
  payByTransfer,
  type Parties,
} from "./ledger-fixtures";

// voucher part = min(chosen vouchers' available balance, coverage × price rounded down to the fen, yearly cap left).

const soon = new Date("2026-06-30T16:00:00Z");
const later = new Date("2026-12-31T16:00:00Z");

describe("computeVoucherPart (pure)", () => {
  const base: VoucherPartInput = {
    priceFen: 10_000_000,
    coverageBps: 5_000,
    capRemainingFen: 20_000_000,
    vouchers: [{ voucherId: 1, availableFen: 8_000_000, expiresAt: later }],
  };

  it("is bounded by coverage, by the cap and by the balance, whichever is least", () => {
    expect(computeVoucherPart(base)).toMatchObject({ voucherPartFen: 5_000_000, cashPartFen: 5_000_000, limitedBy: "coverage" });
    expect(computeVoucherPart({ ...base, capRemainingFen: 1_200_000 })).toMatchObject({ voucherPartFen: 1_200_000, limitedBy: "cap" });
    expect(computeVoucherPart({ ...base, priceFen: 30_000_000 })).toMatchObject({
      voucherPartFen: 8_000_000,
      limitedBy: "balance",
      cashPartFen: 22_000_000,
    });
    expect(computeVoucherPart({ ...base, capRemainingFen: 0 })).toMatchObject({
      voucherPartFen: 0,
      cashPartFen: 10_000_000,
      allocations: [],
    });
  });

  it("rounds coverage × price down to the fen", () => {
    expect(computeVoucherPart({ ...base, priceFen: 333, coverageBps: 5_000 }).voucherPartFen).toBe(166);
    expect(computeVoucherPart({ ...base, priceFen: 999_999, coverageBps: 3_333 }).coverageLimitFen).toBe(333_299);
    // Exact for prices far beyond 2^53 / 10 000: the product is computed in BigInt.
    expect(
      computeVoucherPart({ ...base, priceFen: 9_007_199_254_740_991, coverageBps: 9_999, capRemainingFen: 9_007_199_254_740_991 })
        .coverageLimitFen,
    ).toBe(9_006_298_534_815_516);
  });

  it("spends the soonest-expiring voucher first", () => {
    const part = computeVoucherPart({
      ...base,
      vouchers: [
        { voucherId: 7, availableFen: 4_000_000, expiresAt: later },
        { voucherId: 9, availableFen: 3_000_000, expiresAt: soon },
      ],
    });
    expect(part.allocations).toEqual([
      { voucherId: 9, amountFen: 3_000_000 },
      { voucherId: 7, amountFen: 2_000_000 },
    ]);
  });

  it("refuses fractional, negative or zero prices and malformed input", () => {
    for (const priceFen of [0, -1, 10.5, Number.NaN, 2 ** 53]) {
      expect(() => computeVoucherPart({ ...base, priceFen }), String(priceFen)).toThrow(VoucherError);
    }
    expect(() => computeVoucherPart({ ...base, coverageBps: 10_001 })).toThrow(VoucherError);
    expect(() => computeVoucherPart({ ...base, capRemainingFen: -1 })).toThrow(VoucherError);
    expect(() => computeVoucherPart({ ...base, vouchers: [...base.vouchers, ...base.vouchers] })).toThrow(/duplicateVoucher/);
  });

  it("property: the part is the least bound, the allocations pay it exactly within each balance", () => {
    const input = fc.record({
      priceFen: fc.integer({ min: 1, max: 10_000_000_000 }),
      coverageBps: fc.integer({ min: 0, max: 10_000 }),
      capRemainingFen: fc.integer({ min: 0, max: 100_000_000 }),
      vouchers: fc.uniqueArray(
        fc.record({
          voucherId: fc.integer({ min: 1, max: 1000 }),
          availableFen: fc.integer({ min: 0, max: 50_000_000 }),
          expiresAt: fc.date({ noInvalidDate: true }),
        }),
        { selector: (v) => v.voucherId, maxLength: 5 },
      ),
    });
    fc.assert(
      fc.property(input, (i) => {
        const part = computeVoucherPart(i);
        const balance = i.vouchers.reduce((s, v) => s + v.availableFen, 0);
        const coverage = Math.floor((i.priceFen * i.coverageBps) / 10_000);
        expect(part.voucherPartFen).toBe(Math.min(balance, coverage, i.capRemainingFen));
        expect(part.voucherPartFen + part.cashPartFen).toBe(i.priceFen);
        expect(part.allocations.reduce((s, a) => s + a.amountFen, 0)).toBe(part.voucherPartFen);
        for (const a of part.allocations) {
          expect(a.amountFen).toBeGreaterThan(0);
          expect(a.amountFen).toBeLessThanOrEqual(i.vouchers.find((v) => v.voucherId === a.voucherId)!.availableFen);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describeEachEngine("quoteVoucherPart (from the ledger)", (db) => {
  let p: Parties;
  let programmeId: number;
  let voucher: { voucherId: number; serial: string; expiresAt: Date };

  beforeAll(async () => {
    p = await createParties(db());
    // 50% coverage, ¥200,000 cap, ¥100,000 vouchers; transfers and licences, development and service (no equity).
    programmeId = await createTestProgramme(db(), p.bureau);
    voucher = await issueVoucher(db(), programmeId, p.enterprise, p.bureau);
  });

  const quote = (over: Partial<Parameters<typeof quoteVoucherPart>[1]> = {}) =>
    quoteVoucherPart(db(), {
      enterpriseId: p.enterprise.organisationId,
      sellerOrganisationId: p.institution.organisationId,
      voucherIds: [voucher.voucherId],
      priceFen: 6_000_000,
      mode: "assignment",
      ...over,
    });

  async function refusal(promise: Promise<unknown>): Promise<string> {
    const error = await promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VoucherError);
    return (error as VoucherError).key;
  }

  it("computes the part from the ledger's balance and the programme's rules", async () => {
    expect(await quote()).toMatchObject({
      voucherPartFen: 3_000_000,
      cashPartFen: 3_000_000,
      coverageBps: 5_000,
      capUsedFen: 0,
      limitedBy: "coverage",
    });
    expect(await quote({ priceFen: 30_000_000 })).toMatchObject({ voucherPartFen: 10_000_000, limitedBy: "balance" });
  });

  it("refuses foreign, expired, used-up, mixed, not-yet-valid and non-qualifying vouchers", async () => {
    expect(await refusal(quote({ enterpriseId: p.otherEnterprise.organisationId }))).toBe("vouchers.error.voucherNotYours");
    expect(await refusal(quote({ voucherIds: [999_999] }))).toBe("vouchers.error.voucherNotYours");
    expect(await refusal(quote({ voucherIds: [] }))).toBe("vouchers.error.noVoucherChosen");
    expect(await refusal(quote({ voucherIds: [voucher.voucherId, voucher.voucherId] }))).toBe("vouchers.error.duplicateVoucher");
    expect(await refusal(quote({ now: new Date(voucher.expiresAt.getTime() + 1) }))).toBe("vouchers.error.voucherExpired");
    expect(await refusal(quote({ mode: "equity" }))).toBe("vouchers.error.modeNotCovered");
    expect(await refusal(quote({ priceFen: 0 }))).toBe("vouchers.error.pricePositive");
    expect(await refusal(quote({ priceFen: 100.5 }))).toBe("vouchers.error.pricePositive");

    const otherProgramme = await createTestProgramme(db(), p.bureau);
    const second = await issueVoucher(db(), otherProgramme, p.enterprise, p.bureau);
    expect(await refusal(quote({ voucherIds: [voucher.voucherId, second.voucherId] }))).toBe("vouchers.error.mixedProgrammes");

    const future = new Date(NOW.getTime() + 30 * 86_400_000).toISOString().slice(0, 10);
    const notYet = await createTestProgramme(db(), p.bureau, { validFrom: future });
    const early = await issueVoucher(db(), notYet, p.enterprise, p.bureau);
    expect(await refusal(quote({ voucherIds: [early.voucherId] }))).toBe("vouchers.error.voucherNotYetValid");

    const enterprise = await createParty(db(), "enterprise");
    const spent = await issueVoucher(db(), programmeId, enterprise, p.bureau);
    await payByTransfer(db(), await holdThroughCheckout(db(), { ...p, enterprise }, spent.voucherId, 10_000_000));
    expect(
      await refusal(
        quoteVoucherPart(db(), {
          enterpriseId: enterprise.organisationId,
          sellerOrganisationId: p.institution.organisationId,
          voucherIds: [spent.voucherId],
          priceFen: 100,
          mode: "service",
        }),
      ),
    ).toBe("vouchers.error.voucherUsedUp");
  });

  it("counts held and redeemed amounts against the yearly cap", async () => {
    // Cap ¥200,000 (20,000,000 fen): two vouchers of ¥100,000 each, one fully redeemed, then a hold on the other.
    const enterprise = await createParty(db(), "enterprise");
    const first = await issueVoucher(db(), programmeId, enterprise, p.bureau);
    const second = await issueVoucher(db(), programmeId, enterprise, p.bureau);
    const third = await issueVoucher(db(), programmeId, enterprise, p.bureau);
    const buying = { ...p, enterprise };
    await payByTransfer(db(), await holdThroughCheckout(db(), buying, first.voucherId, 10_000_000));
    await holdThroughCheckout(db(), buying, second.voucherId, 6_000_000);
    // 10,000,000 redeemed + 6,000,000 held: 4,000,000 of the cap is left, though the third voucher holds 10,000,000.
    const q = await quoteVoucherPart(db(), {
      enterpriseId: enterprise.organisationId,
      sellerOrganisationId: p.institution.organisationId,
      voucherIds: [second.voucherId, third.voucherId],
      priceFen: 50_000_000,
      mode: "development",
    });
    expect(q).toMatchObject({ capUsedFen: 16_000_000, capRemainingFen: 4_000_000, voucherPartFen: 4_000_000, limitedBy: "cap" });
    // A checkout asking the third voucher for more than the cap leaves is refused, naming what it may pay.
    const resultId = await listedLicence(db(), p.institution, p.bureau, 50_000_000);
    const refused = await startCheckout(db(), enterprise, {
      resultId,
      mode: "nonexclusive_license",
      voucherIds: [third.voucherId],
      voucherAmountFen: 5_000_000,
      method: "bank_transfer",
      cardEnabled: false,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CheckoutError);
    expect(refused).toMatchObject({ key: "checkout.error.aboveCap", params: { max: 4_000_000 } });
  });
});
