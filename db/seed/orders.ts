import type { Kysely } from "kysely";
import {
  createInquiry,
  expireOrder,
  invoiceDefaults,
  issueInvoice,
  markOrderPaid,
  quoteInquiry,
  refundOrder,
  requestInvoice,
  startCheckout,
  type StartedCheckout,
} from "../../app/services/checkout";
import { CheckoutError } from "../../app/services/checkout/errors";
import { isStale } from "../../app/services/catalogue/lifecycle";
import {
  approveApplication,
  applyForVoucher,
  createProgramme,
  createReimbursementBatch,
  disallowVoucherPart,
  drawSpotCheck,
  getSpotCheck,
  markBatchPaid,
  recordRelatedParty,
  reviewSpotCheckItem,
  revokeVoucher,
} from "../../app/services/vouchers";
import { fenToYuan } from "../../app/services/contracts/money";
import { recordPayout } from "../../app/services/payouts";
import { chinaDate } from "../../app/services/vouchers/validation";
import type { DB, TransferMode } from "../schema";
import type { Rng } from "./random";
import { DAY, type SeedContext, type SeedStep } from "./types";

// Trade history for the demo: an innovation-voucher programme (unless an earlier step made one), vouchers issued to
// enterprises that applied, and a few hundred completed purchases paid by voucher + card or bank transfer — all made
// through the real services (apply → approve, startCheckout → markOrderPaid), so the ledger balances, the contracts
// are registered with their rollups, and exclusive results are transferred. A few orders are left in other states so
// every page has something to show: bank transfers waiting for the operator, cancelled and expired orders, refunds,
// a revoked voucher with its related-party record, a suspected related pair, a half-reviewed spot check, and open
// inquiries with quotes.

/** How far back the trade history reaches. */
const HISTORY_DAYS = 200;
const PENDING_APPLICATIONS = 6;
const COMPLETED = 300;
const VOUCHER_HOLDERS = 110;
const REIMBURSE_EVERY_DAYS = 61;

interface Listing {
  id: number;
  institutionId: number;
  listedAt: Date;
  confirmedAt: Date | null;
  stateFunded: boolean;
  negotiable: boolean;
  modes: { mode: TransferMode; price_fen: number }[];
}

async function ensureProgramme(ctx: SeedContext): Promise<{ programmeId: number; created: boolean }> {
  const existing = await ctx.db
    .selectFrom("voucher_programmes")
    .select("id")
    .where("status", "=", "open")
    .where("valid_from", "<=", chinaDate(new Date(ctx.now.getTime() - HISTORY_DAYS * DAY)))
    .where("valid_to", ">=", chinaDate(ctx.now))
    .orderBy("id")
    .executeTakeFirst();
  if (existing) return { programmeId: existing.id, created: false };
  const bureauUser = ctx.refs.usersByOrganisation.get(ctx.refs.bureauOrganisationId)?.[0];
  if (!bureauUser) throw new Error("the orders step needs the bureau's user (users step)");
  const from = new Date(ctx.now.getTime() - (HISTORY_DAYS + 30) * DAY);
  const result = await createProgramme(
    ctx.db,
    { userId: bureauUser, organisationId: ctx.refs.bureauOrganisationId },
    {
      name: `洛阳市科技创新券（${chinaDate(from).slice(0, 4)}—${chinaDate(new Date(from.getTime() + 365 * DAY)).slice(0, 4)} 年度）`,
      year: chinaDate(from).slice(0, 4),
      totalBudget: "30000000",
      coveragePercent: "50",
      yearlyCap: "200000",
      voucherAmount: "100000",
      validFrom: chinaDate(from),
      validTo: chinaDate(new Date(from.getTime() + 364 * DAY)),
      qualifyingModes: ["assignment", "exclusive_license", "sole_license", "nonexclusive_license", "development", "service"],
    },
    from,
  );
  if (!result.ok) throw new Error(`voucher programme refused: ${JSON.stringify(result)}`);
  return { programmeId: result.programmeId, created: true };
}

/** Issues a voucher to an enterprise through apply → approve, at a given time. */
async function issue(ctx: SeedContext, programmeId: number, enterpriseId: number, at: Date): Promise<number | null> {
  const applicant = ctx.refs.usersByOrganisation.get(enterpriseId)?.[0];
  const bureauUser = ctx.refs.usersByOrganisation.get(ctx.refs.bureauOrganisationId)?.[0];
  if (!applicant || !bureauUser) return null;
  const applied = await applyForVoucher(
    ctx.db,
    { userId: applicant, organisationId: enterpriseId },
    { programmeId: String(programmeId), purpose: "购买高校院所科技成果的许可或转让，用于新产品研发", contactName: "企业科技专员", contactPhone: "0379-6321 0000" },
    at,
  );
  if (!applied.ok) return null;
  const approved = await approveApplication(ctx.db, { userId: bureauUser, organisationId: ctx.refs.bureauOrganisationId }, applied.applicationId, new Date(at.getTime() + 2 * DAY));
  return approved.ok ? approved.voucher.voucherId : null;
}

/** A completed purchase the enterprise paid partly by voucher: its seller and the result's inventors. */
async function voucherSale(db: Kysely<DB>, enterpriseId: number) {
  const row = await db
    .selectFrom("orders as o")
    .innerJoin("technology_results as r", "r.id", "o.result_id")
    .select(["o.seller_organisation_id", "r.inventors"])
    .where("o.buyer_organisation_id", "=", enterpriseId)
    .where("o.status", "=", "completed")
    .where("o.voucher_part_fen", ">", 0)
    .orderBy("o.id")
    .executeTakeFirst();
  return row ? { institutionId: row.seller_organisation_id, inventors: row.inventors } : null;
}

/**
 * Listings to buy from, with their fixed-price modes. The demo researcher's own results keep their statuses (the demo
 * shows one of each): only their non-exclusive modes are bought, which leaves a result listed.
 */
async function listings(db: Kysely<DB>, ids: readonly number[], keepStatusOf: number | null): Promise<Listing[]> {
  const out: Listing[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const slice = ids.slice(i, i + 500);
    const rows = await db
      .selectFrom("technology_results")
      .select(["id", "institution_id", "listed_at", "confirmed_at", "state_funded", "created_by"])
      .where("id", "in", slice)
      .where("status", "=", "listed")
      .execute();
    const modes = await db.selectFrom("result_modes").select(["result_id", "mode", "price_fen"]).where("result_id", "in", slice).execute();
    for (const r of rows) {
      const own = modes.filter((m) => m.result_id === r.id);
      const keep = keepStatusOf !== null && r.created_by === keepStatusOf;
      const priced = own.filter(
        (m): m is { result_id: number; mode: TransferMode; price_fen: number } =>
          m.price_fen !== null && m.mode !== "equity" && (!keep || m.mode === "nonexclusive_license" || m.mode === "development" || m.mode === "service"),
      );
      if (!r.listed_at || priced.length === 0) continue;
      out.push({
        id: r.id,
        institutionId: r.institution_id,
        listedAt: r.listed_at,
        confirmedAt: r.confirmed_at,
        stateFunded: r.state_funded,
        negotiable: own.some((m) => m.price_fen === null),
        modes: priced.map((m) => ({ mode: m.mode, price_fen: m.price_fen })),
      });
    }
  }
  return out;
}

/** A moment in the history window after the listing went up, when it was neither stale nor in publicity. */
function saleTime(rng: Rng, listing: Listing, now: Date): Date | null {
  const earliest = Math.max(listing.listedAt.getTime() + (listing.stateFunded && listing.negotiable ? 16 * DAY : DAY), now.getTime() - HISTORY_DAYS * DAY);
  const latest = now.getTime() - 3 * DAY;
  if (earliest >= latest) return null;
  const at = new Date(rng.float(earliest, latest));
  const status = { status: "listed" as const, listed_at: listing.listedAt, confirmed_at: listing.confirmedAt };
  // A listing confirmed after `at` was current then too; otherwise check it was not stale at that time.
  if (listing.confirmedAt && listing.confirmedAt > at) return at;
  return isStale(status, at) ? null : at;
}

export const ordersStep: SeedStep = {
  name: "orders",
  async run(ctx) {
    const { db, rng, refs, now } = ctx;
    const { programmeId, created } = await ensureProgramme(ctx);
    const total = COMPLETED + 40;
    let done = 0;
    const tick = () => ctx.progress(Math.min(++done, total), total);

    // Vouchers: every enterprise with a user account (the demo enterprise first) applied early in the programme.
    const withUsers = refs.enterpriseIds.filter((id) => (refs.usersByOrganisation.get(id)?.length ?? 0) > 0);
    const holders = [
      ...(refs.demo.enterprise ? [refs.demo.enterprise.organisationId] : []),
      ...rng.sample(
        withUsers.filter((id) => id !== refs.demo.enterprise?.organisationId),
        VOUCHER_HOLDERS,
      ),
    ];
    const vouchers = new Map<number, number>();
    for (const enterpriseId of holders) {
      const at = new Date(now.getTime() - rng.int(HISTORY_DAYS + 5, HISTORY_DAYS + 25) * DAY);
      const voucherId = await issue(ctx, programmeId, enterpriseId, at);
      if (voucherId !== null) vouchers.set(enterpriseId, voucherId);
    }

    const pool = await listings(db, rng.sample(refs.resultIds.listed, 1500), refs.demo.institution?.userId ?? null);
    const buyers = withUsers;
    const buyerOf = (enterpriseId: number) => ({ userId: refs.usersByOrganisation.get(enterpriseId)?.[0] as number, organisationId: enterpriseId });
    const counts = { completedOrders: 0, voucherOrders: 0, cardOrders: 0, bankOrders: 0, pendingTransfers: 0, closedOrders: 0, refundedOrders: 0, payouts: 0, seedInquiries: 0, revokedVouchers: 0, relatedParties: 0, spotChecks: 0, reimbursementBatches: 0, disallowedPurchases: 0 };

    /** One checkout at `at`; exclusive modes are rarer (most platform deals are licences). */
    const place = async (
      enterpriseId: number,
      listing: Listing,
      at: Date,
      method: "card" | "bank_transfer",
      voucherFen: number | null = null,
    ): Promise<StartedCheckout | null> => {
      const exclusive = listing.modes.filter((m) => ["assignment", "exclusive_license", "sole_license"].includes(m.mode));
      const shared = listing.modes.filter((m) => !exclusive.includes(m));
      const offer = shared.length > 0 && (exclusive.length === 0 || rng.chance(0.8)) ? rng.pick(shared) : rng.pick(exclusive.length > 0 ? exclusive : shared);
      const voucherId = vouchers.get(enterpriseId);
      const useVoucher = voucherId !== undefined && (voucherFen !== null || rng.chance(0.85));
      // Buyers often keep part of a voucher for later: ask for 1–5 万, or as much as it may pay when that is less.
      const wanted = voucherFen ?? (useVoucher && rng.chance(0.7) ? rng.int(1, 5) * 1_000_000 : null);
      const input = { resultId: listing.id, mode: offer.mode, voucherIds: useVoucher ? [voucherId] : [], method, cardEnabled: true, now: at };
      try {
        return await startCheckout(db, buyerOf(enterpriseId), { ...input, voucherAmountFen: wanted });
      } catch (error) {
        if (!(error instanceof CheckoutError)) throw error;
        if (error.field !== "voucherAmount") return null; // used up, sold earlier in the history: no sale
      }
      try {
        return await startCheckout(db, buyerOf(enterpriseId), input);
      } catch (error) {
        if (error instanceof CheckoutError) return null;
        throw error;
      }
    };

    // Candidate sales in time order, so the history is consistent (a result sold exclusively is not licensed later,
    // vouchers run down as the months pass).
    const candidates: { listing: Listing; at: Date }[] = [];
    for (let i = 0; i < COMPLETED * 6 && candidates.length < COMPLETED * 3; i++) {
      const listing = rng.pick(pool);
      const at = saleTime(rng, listing, now);
      if (at) candidates.push({ listing, at });
    }
    candidates.sort((a, b) => a.at.getTime() - b.at.getTime());
    const completedOrders: { orderId: number; method: "card" | "bank_transfer" }[] = [];
    // The demo enterprise buys a few times with small voucher amounts, so its wallet still has money to try a checkout.
    const demoEnterprise = refs.demo.enterprise?.organisationId ?? null;
    const demoSales = new Set(rng.sample(candidates.map((_, i) => i), 3));
    const others = [...vouchers.keys()].filter((id) => id !== demoEnterprise);
    // The bureau reimburses (兑付) every two months, paying each batch a week or three later; the last weeks' redemptions
    // are still waiting, so the reimbursement page shows both history and what is owed now.
    const bureau = { userId: refs.usersByOrganisation.get(refs.bureauOrganisationId)?.[0] as number, organisationId: refs.bureauOrganisationId };
    let nextBatchAt = candidates.length > 0 ? new Date(candidates[0].at.getTime() + REIMBURSE_EVERY_DAYS * DAY) : now;
    const lastBatchBy = new Date(now.getTime() - 45 * DAY);
    let lastPaidAt = new Date(0);
    for (const [index, { listing, at }] of candidates.entries()) {
      if (counts.completedOrders >= COMPLETED) break;
      if (at > nextBatchAt && nextBatchAt < lastBatchBy) {
        // After every payment settled so far (a bank transfer is confirmed hours after its order), as a batch made then would be.
        const batchAt = new Date(Math.max(nextBatchAt.getTime(), lastPaidAt.getTime()) + 60_000);
        const batch = await createReimbursementBatch(db, bureau, { programmeId }, batchAt);
        if (batch.ok) {
          const paidAt = new Date(batchAt.getTime() + rng.int(7, 20) * DAY);
          const paid = await markBatchPaid(db, bureau, { batchId: batch.batchId, paymentReference: `GK${chinaDate(paidAt).replace(/-/g, "")}${String(batch.batchId).padStart(4, "0")}` }, paidAt);
          if (!paid.ok) throw new Error(`reimbursement batch ${batch.batchId} could not be marked paid: ${JSON.stringify(paid)}`);
          counts.reimbursementBatches += 1;
        }
        nextBatchAt = new Date(nextBatchAt.getTime() + REIMBURSE_EVERY_DAYS * DAY);
      }
      // Paced over the whole history (a little ahead of an even spread, since some candidates find no sale), so the
      // last weeks have deals too, not only the first months.
      if (counts.completedOrders >= (COMPLETED * 1.2 * (index + 1)) / candidates.length) continue;
      const forDemo = demoEnterprise !== null && demoSales.has(index);
      const holder = forDemo ? (demoEnterprise as number) : rng.chance(0.7) && others.length > 0 ? rng.pick(others) : rng.pick(buyers.filter((b) => b !== demoEnterprise));
      if (holder === listing.institutionId) continue;
      const method = rng.chance(0.55) ? "card" : "bank_transfer";
      const started = await place(holder, listing, at, method, forDemo ? 1_000_000 : null);
      if (!started) continue;
      if (at > lastPaidAt) lastPaidAt = at;
      if (started.status !== "completed") {
        const paidAt = new Date(at.getTime() + (method === "card" ? rng.int(2, 20) * 60_000 : rng.int(4, 60) * 3_600_000));
        if (paidAt > lastPaidAt) lastPaidAt = paidAt;
        await markOrderPaid(db, {
          orderId: started.orderId,
          method,
          amountFen: started.cashDueFen,
          externalRef: method === "card" ? `pi_seed_${started.orderId}` : `ICBC${chinaDate(paidAt).replace(/-/g, "")}${String(started.orderId).padStart(6, "0")}`,
          idempotencyKey: `seed:${started.orderId}:paid`,
          paidAt,
        });
      }
      counts.completedOrders += 1;
      if (started.voucherPartFen > 0) counts.voucherOrders += 1;
      if (method === "card") counts.cardOrders += 1;
      else counts.bankOrders += 1;
      completedOrders.push({ orderId: started.orderId, method });
      tick();
    }

    // A few refunds (a buyer's project was cancelled), recorded as the operator or the Stripe webhook would.
    for (const { orderId, method } of rng.sample(completedOrders, 4)) {
      try {
        await refundOrder(db, {
          orderId,
          externalRef: method === "card" ? `pi_seed_${orderId}` : `ICBC-REFUND-${orderId}`,
          idempotencyKey: `seed:${orderId}:refund`,
          reason: "买方项目取消，双方协商解除",
          now: new Date(now.getTime() - rng.int(1, 5) * DAY),
        });
        counts.refundedOrders += 1;
      } catch (error) {
        if (!(error instanceof CheckoutError)) throw error;
      }
      tick();
    }

    // Month-end settlement: the operator has paid most sellers what the platform collected for them; the demo
    // institution has been paid part of it, so its sales page shows both what was paid and what is still owed.
    const operatorUser = refs.usersByOrganisation.get(refs.operatorOrganisationId)?.[0];
    if (operatorUser !== undefined) {
      const owed = await db
        .selectFrom("ledger_accounts")
        .select(["owner_organisation_id", "balance"])
        .where("purpose", "=", "institution_payable")
        .where("balance", ">", 0)
        .orderBy("id")
        .execute();
      for (const { owner_organisation_id: institutionId, balance } of owed) {
        if (institutionId === null) continue;
        const forDemo = institutionId === refs.demo.institution?.organisationId;
        if (!forDemo && !rng.chance(0.7)) continue;
        const amountFen = forDemo ? Math.floor((balance * 0.6) / 100) * 100 : balance;
        if (amountFen <= 0) continue;
        const paidAt = new Date(now.getTime() - rng.int(2, 20) * DAY - rng.int(0, 480) * 60_000);
        const paid = await recordPayout(
          db,
          { userId: operatorUser },
          { institutionId, amount: fenToYuan(amountFen), bankReference: `HX${chinaDate(paidAt).replace(/-/g, "")}${String(institutionId).padStart(6, "0")}`, note: "月度结算" },
          paidAt,
        );
        if (!paid.ok) throw new Error(`payout to institution ${institutionId} refused: ${JSON.stringify(paid)}`);
        counts.payouts += 1;
      }
    }

    // Recent orders still open: bank transfers for the operator to confirm (the demo enterprise has one), and a
    // handful that were cancelled or lapsed.
    const recent = async (enterpriseId: number, method: "card" | "bank_transfer", ageHours: number, voucherFen: number | null = null) => {
      const at = new Date(now.getTime() - ageHours * 3_600_000);
      for (let tries = 0; tries < 10; tries++) {
        const listing = rng.pick(pool);
        if (listing.institutionId === enterpriseId || listing.listedAt >= at) continue;
        // Refused (sold meanwhile, stale, in publicity): try another listing.
        const started = await place(enterpriseId, listing, at, method, voucherFen);
        if (started) return started;
      }
      return null;
    };
    if (demoEnterprise !== null && (await recent(demoEnterprise, "bank_transfer", 20, 1_500_000))) counts.pendingTransfers += 1;
    for (let i = 0; i < 12; i++) {
      if (await recent(rng.pick(others.length > 0 ? others : buyers), "bank_transfer", rng.int(2, 60))) counts.pendingTransfers += 1;
      tick();
    }
    for (let i = 0; i < 10; i++) {
      const started = await recent(rng.pick(buyers), rng.chance(0.5) ? "card" : "bank_transfer", rng.int(80, 400));
      if (!started) continue;
      const reason = rng.chance(0.5) ? "cancelled" : started.paymentMethod === "card" ? "checkout_expired" : "reservation_lapsed";
      await expireOrder(db, { orderId: started.orderId, reason, idempotencyKey: `seed:${started.orderId}:close`, now: new Date(started.expiresAt.getTime() - (reason === "cancelled" ? 600_000 : 0)) });
      counts.closedOrders += 1;
      tick();
    }

    // One voucher the bureau revoked after a spot check, with money still on it, so the wallet and the programme show
    // that state too. Its holder has no order waiting for payment, so the pending transfers above stay as counted.
    let relatedPair: string | null = null;
    for (const enterpriseId of others) {
      const waiting = await db.selectFrom("orders").select("id").where("buyer_organisation_id", "=", enterpriseId).where("status", "=", "pending").executeTakeFirst();
      const unspent = await db
        .selectFrom("ledger_accounts")
        .select("balance")
        .where("voucher_id", "=", vouchers.get(enterpriseId) as number)
        .where("purpose", "=", "voucher_available")
        .executeTakeFirst();
      if (waiting || !unspent || unspent.balance === 0) continue;
      const revoked = await revokeVoucher(db, bureau, { voucherId: vouchers.get(enterpriseId), reason: "抽查发现买卖双方存在关联关系" }, now);
      if (!revoked.ok) continue;
      counts.revokedVouchers += 1;
      // The relationship that spot check found, recorded so that no voucher pays between the two again.
      const sale = await voucherSale(db, enterpriseId);
      if (sale) {
        const recorded = await recordRelatedParty(db, bureau, { enterpriseId, institutionId: sale.institutionId, relation: "spin_off", note: "抽查发现：企业法定代表人为该单位在职教师" }, now);
        if (recorded.ok) {
          counts.relatedParties += 1;
          relatedPair = `${enterpriseId}:${sale.institutionId}`;
        }
      }
      break;
    }

    // And one the bureau has not looked at yet: an enterprise whose voucher contact is an inventor of a result it
    // bought with its voucher, which the related-party page lists as suspected.
    for (const enterpriseId of others) {
      if (enterpriseId === demoEnterprise) continue;
      const sale = await voucherSale(db, enterpriseId);
      const inventor = sale?.inventors[0];
      if (!sale || !inventor) continue;
      const related = await db.selectFrom("related_parties").select("id").where("enterprise_id", "=", enterpriseId).executeTakeFirst();
      if (related) continue;
      await db.updateTable("voucher_applications").set({ contact_name: inventor }).where("enterprise_id", "=", enterpriseId).execute();
      break;
    }

    // The bureau's spot check of the programme so far, half reviewed: the recorded pair's purchases were irregular, the
    // suspected pair's are still being looked into.
    const drawnAt = new Date(now.getTime() - 2 * DAY);
    const drawn = await drawSpotCheck(
      db,
      bureau,
      { programmeId: String(programmeId), from: chinaDate(new Date(now.getTime() - (HISTORY_DAYS + 30) * DAY)), to: chinaDate(drawnAt), sampleSize: "20" },
      drawnAt,
    );
    if (drawn.ok) {
      counts.spotChecks += 1;
      const check = await getSpotCheck(db, refs.bureauOrganisationId, drawn.spotCheckId);
      for (const [i, item] of (check?.items ?? []).entries()) {
        const irregular = `${item.enterpriseId}:${item.institutionId}` === relatedPair;
        if (item.drawnBecause === "suspected" ? !irregular : i % 2 === 1) continue;
        await reviewSpotCheckItem(
          db,
          bureau,
          { spotCheckId: drawn.spotCheckId, orderId: item.orderId, outcome: irregular ? "irregular" : "compliant", finding: irregular ? "买卖双方存在关联关系，创新券已撤销" : undefined },
          new Date(drawnAt.getTime() + (i + 1) * 3_600_000),
        );
        // 核减: the irregular purchases lose their voucher part, out of what the programme still owes the seller.
        if (irregular) {
          const disallowed = await disallowVoucherPart(
            db,
            bureau,
            { spotCheckId: drawn.spotCheckId, orderId: item.orderId, reason: "关联交易不得使用创新券，核减券额" },
            new Date(drawnAt.getTime() + (i + 2) * 3_600_000),
          );
          if (disallowed.ok) counts.disallowedPurchases += 1;
        }
      }
    }

    // Inquiries on negotiable modes, some already quoted (the demo institution gets its share).
    const negotiable = await db
      .selectFrom("result_modes as m")
      .innerJoin("technology_results as r", "r.id", "m.result_id")
      .select(["r.id", "r.institution_id", "m.mode"])
      .where("m.price_fen", "is", null)
      .where("r.status", "=", "listed")
      .where("r.confirmed_at", ">", new Date(now.getTime() - 150 * DAY))
      .orderBy("r.id")
      .limit(400)
      .execute();
    const demoInstitution = refs.demo.institution?.organisationId;
    const asking = [...negotiable.filter((n) => n.institution_id === demoInstitution).slice(0, 4), ...rng.sample(negotiable, 14)];
    for (const n of asking) {
      const enterpriseId = rng.pick(buyers);
      const at = new Date(now.getTime() - rng.int(1, 20) * DAY);
      const asked = await createInquiry(
        db,
        buyerOf(enterpriseId),
        {
          resultId: n.id,
          mode: n.mode,
          message: "我公司拟将该技术用于现有产线升级，请告知许可/转让费用、技术支持内容和交付周期。",
          contactName: "技术部负责人",
          contactPhone: "0379-6588 1200",
        },
        at,
      );
      if (!asked.ok) continue;
      counts.seedInquiries += 1;
      const sellerUser = refs.usersByOrganisation.get(n.institution_id)?.[0];
      if (sellerUser && rng.chance(0.5)) {
        await quoteInquiry(
          db,
          { userId: sellerUser, organisationId: n.institution_id },
          asked.inquiryId,
          { price: String(rng.int(8, 120) * 10_000), validUntil: chinaDate(new Date(now.getTime() + rng.int(7, 45) * DAY)), note: "含技术资料与三个月现场指导" },
          new Date(Math.min(at.getTime() + rng.int(1, 3) * DAY, now.getTime() - 3_600_000)),
        );
      }
    }

    // Applications the bureau has yet to decide, made in the last days by enterprises that want another voucher (the
    // demo enterprise's own form stays free to try).
    const purposes = ["购买高校专利的普通许可，用于产线智能化改造", "委托院所开展新材料配方的技术开发", "购买检测与中试技术服务", "受让一项实用新型专利，开发新产品"];
    let pendingApplications = 0;
    for (const enterpriseId of rng.sample(others, PENDING_APPLICATIONS)) {
      const applied = await applyForVoucher(
        db,
        buyerOf(enterpriseId),
        { programmeId: String(programmeId), purpose: rng.pick(purposes), contactName: "企业科技专员", contactPhone: "0379-6321 0000" },
        new Date(now.getTime() - rng.int(1, 6 * 24) * 3_600_000),
      );
      if (applied.ok) pendingApplications += 1;
    }

    // Invoices (发票): most buyers ask for one within days of paying, and most sellers have issued it; the rest are due
    // (the demo enterprise's own orders are left for trying the request).
    const paidOrders = await db
      .selectFrom("orders")
      .select(["id", "buyer_organisation_id", "seller_organisation_id", "paid_at"])
      .where("status", "=", "completed")
      .where("buyer_organisation_id", "!=", demoEnterprise ?? 0)
      .orderBy("id")
      .execute();
    let invoicesRequested = 0;
    let invoicesIssued = 0;
    for (const o of paidOrders) {
      const buyerUser = refs.usersByOrganisation.get(o.buyer_organisation_id)?.[0];
      const sellerUser = refs.usersByOrganisation.get(o.seller_organisation_id)?.[0];
      if (!o.paid_at || !buyerUser || !sellerUser || !rng.chance(0.75)) continue;
      const askedAt = new Date(Math.min(o.paid_at.getTime() + rng.int(1, 5 * 24) * 3_600_000, now.getTime() - 3_600_000));
      const defaults = await invoiceDefaults(db, o.buyer_organisation_id);
      const asked = await requestInvoice(db, { userId: buyerUser, organisationId: o.buyer_organisation_id }, { orderId: o.id, ...defaults }, askedAt);
      if (!asked.ok) continue;
      invoicesRequested += 1;
      const issuedAt = new Date(askedAt.getTime() + rng.int(1, 10) * DAY);
      if (issuedAt > now || !rng.chance(0.85)) continue;
      const issued = await issueInvoice(
        db,
        { userId: sellerUser, organisationId: o.seller_organisation_id },
        { orderId: o.id, invoiceNo: `2641${chinaDate(issuedAt).slice(2, 4)}${String(o.id).padStart(14, "0")}`, issuedOn: chinaDate(issuedAt) },
        issuedAt,
      );
      if (issued.ok) invoicesIssued += 1;
    }

    ctx.progress(total, total);
    return { ...counts, invoicesRequested, invoicesIssued, pendingApplications, voucherHolders: vouchers.size, seedProgrammes: created ? 1 : 0 };
  },
};
