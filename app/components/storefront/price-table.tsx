import { Link } from "@remix-run/react";
import type { TransferMode } from "../../../db/schema";
import { formatFen } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { formatDate } from "~/components/catalogue/format";

export interface ModeOffer {
  mode: TransferMode;
  /** null: negotiable (面议) */
  price_fen: number | null;
  /**
   * The most an innovation voucher could pay on this mode: min(coverage × price, the programme's cap). null when the
   * price is negotiable (then the ratio applies to the agreed price) or when there is no open programme.
   */
  voucher_max_fen: number | null;
  /** the open programme covers this kind of purchase */
  voucher_covered: boolean;
}

/** Why buying is not possible right now (null: it is). */
export type PurchaseBlock =
  | { reason: "preview" }
  | { reason: "reserved" }
  | { reason: "publicity"; until: string }
  | { reason: "role" }
  | null;

/** The price of every mode offered, what a voucher could pay on it, and the way to buy or ask. */
export function PriceTable({
  resultId,
  offers,
  showVoucher,
  voucherPercent,
  block,
}: {
  resultId: number;
  offers: ModeOffer[];
  /** a voucher column is shown (the result is voucher-eligible and a programme is open) */
  showVoucher: boolean;
  /** the open programme's coverage, for negotiable prices ("50% of the agreed price") */
  voucherPercent: string | null;
  block: PurchaseBlock;
}) {
  const t = useT();
  const locale = useLocale();
  if (offers.length === 0) return <p className="muted">{t("storefront.detail.noModes")}</p>;
  return (
    <div className="price-table">
      <table className="data">
        <thead>
          <tr>
            <th scope="col">{t("storefront.detail.mode")}</th>
            <th scope="col" className="num">
              {t("storefront.detail.price")}
            </th>
            {showVoucher ? (
              <th scope="col" className="num">
                {t("storefront.detail.voucherMax")}
              </th>
            ) : null}
            <th scope="col">
              <span className="sr-only">{t("storefront.detail.action")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {offers.map((o) => {
            const negotiable = o.price_fen === null;
            // Asking is possible during publicity; buying is not (the price is being publicised before any signing).
            const blocked = block !== null && !(block.reason === "publicity" && negotiable);
            const href = negotiable ? `/results/${resultId}/inquire?mode=${o.mode}` : `/checkout/${resultId}?mode=${o.mode}`;
            const label = negotiable ? t("storefront.detail.inquire") : t("storefront.detail.buy");
            return (
              <tr key={o.mode}>
                <th scope="row">
                  <span className="price-table__mode">{t(`mode.${o.mode}`)}</span>
                  <span className="price-table__hint">{t(`storefront.modeHint.${o.mode}`)}</span>
                </th>
                <td className="num price-table__price" data-label={t("storefront.detail.price")}>
                  {negotiable ? <span className="price-table__negotiable">{t("result.negotiable")}</span> : formatFen(o.price_fen!, locale)}
                </td>
                {showVoucher ? (
                  <td className="num" data-label={t("storefront.detail.voucherMax")}>
                    {!o.voucher_covered ? (
                      <span className="muted">{t("storefront.voucher.notCovered")}</span>
                    ) : o.voucher_max_fen === null ? (
                      <span className="muted">{t("storefront.voucher.byAgreedPrice", { percent: voucherPercent ?? "" })}</span>
                    ) : (
                      <strong className="price-table__voucher">{formatFen(o.voucher_max_fen, locale)}</strong>
                    )}
                  </td>
                ) : null}
                <td className="price-table__action">
                  {blocked ? (
                    <span className="button button--disabled" aria-disabled="true">
                      {label}
                    </span>
                  ) : (
                    <Link to={href} className={negotiable ? "button button--ghost" : "button"} aria-label={`${label}：${t(`mode.${o.mode}`)}`}>
                      {label}
                    </Link>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {block ? (
        <p className="price-table__blocked" role="note">
          {block.reason === "publicity"
            ? t("storefront.block.publicity", { date: formatDate(block.until, locale) })
            : t(`storefront.block.${block.reason}`)}
        </p>
      ) : null}
    </div>
  );
}
