import { Link } from "@remix-run/react";
import { formatFen, hasMessage, type Translate } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import { listValue, resultsHref, toggled } from "./query";

interface Chip {
  key: string;
  label: string;
  href: string;
}

function yuanToFen(yuan: string): number {
  return Math.round(Number(yuan) * 100);
}

/** The filters of a query, each with the link that removes it. */
export function chipsOf(query: string, t: Translate, formatYuan: (yuan: string) => string, institutionName: string | null): Chip[] {
  const q = new URLSearchParams(query);
  const chips: Chip[] = [];
  const text = q.get("q");
  if (text) chips.push({ key: "q", label: t("storefront.chip.q", { q: text }), href: resultsHref(query, { q: null }) });
  const fields = listValue(q, "field");
  for (const f of fields) chips.push({ key: `field-${f}`, label: t(`field.${f}`), href: resultsHref(query, { field: toggled(fields, f) }) });
  const mode = q.get("mode");
  if (mode) chips.push({ key: "mode", label: t(`mode.${mode}`), href: resultsHref(query, { mode: null }) });
  const trlMin = q.get("trl_min");
  const trlMax = q.get("trl_max");
  if (trlMin || trlMax)
    chips.push({
      key: "trl",
      label: t("storefront.chip.trl", { min: trlMin ?? "1", max: trlMax ?? "9" }),
      href: resultsHref(query, { trl_min: null, trl_max: null }),
    });
  const priceMin = q.get("price_min");
  const priceMax = q.get("price_max");
  if (priceMin || priceMax) {
    const label =
      priceMin && priceMax
        ? t("storefront.chip.priceBetween", { min: formatYuan(priceMin), max: formatYuan(priceMax) })
        : priceMin
          ? t("storefront.chip.priceFrom", { min: formatYuan(priceMin) })
          : t("storefront.chip.priceTo", { max: formatYuan(priceMax ?? "0") });
    chips.push({ key: "price", label, href: resultsHref(query, { price_min: null, price_max: null }) });
  }
  const institution = q.get("institution");
  if (institution)
    chips.push({
      key: "institution",
      label: /^\d+$/.test(institution) ? institutionName ?? t("storefront.chip.institutionId", { id: institution }) : institution,
      href: resultsHref(query, { institution: null }),
    });
  const region = q.get("region");
  if (region)
    chips.push({
      key: "region",
      label: hasMessage(`region.${region}`) ? t(`region.${region}`) : region,
      href: resultsHref(query, { region: null }),
    });
  const ipTypes = listValue(q, "ip_type");
  for (const ip of ipTypes)
    chips.push({ key: `ip-${ip}`, label: t(`catalogue.ipType.${ip}`), href: resultsHref(query, { ip_type: toggled(ipTypes, ip) }) });
  if (q.get("voucher") === "true") chips.push({ key: "voucher", label: t("result.voucherEligible"), href: resultsHref(query, { voucher: null }) });
  return chips;
}

/** Active filters as removable chips, and "clear all" (which keeps the search words and the sort). */
export function FilterChips({ query, institutionName }: { query: string; institutionName: string | null }) {
  const t = useT();
  const locale = useLocale();
  const chips = chipsOf(query, t, (yuan) => formatFen(yuanToFen(yuan), locale), institutionName);
  if (chips.length === 0) return null;
  const current = new URLSearchParams(query);
  const keep = new URLSearchParams();
  for (const key of ["q", "sort", "per_page"]) {
    const v = current.get(key);
    if (v) keep.set(key, v);
  }
  const filters = chips.filter((c) => c.key !== "q");
  return (
    <div className="chips" aria-label={t("storefront.chip.label")}>
      <ul className="chips__list">
        {chips.map((chip) => (
          <li key={chip.key}>
            <Link to={chip.href} className="chip" aria-label={t("storefront.chip.remove", { label: chip.label })}>
              <span>{chip.label}</span>
              <span className="chip__x" aria-hidden="true">
                ×
              </span>
            </Link>
          </li>
        ))}
      </ul>
      {filters.length > 1 ? (
        <Link to={keep.toString() ? `/results?${keep}` : "/results"} className="chips__clear">
          {t("storefront.chip.clear")}
        </Link>
      ) : null}
    </div>
  );
}
