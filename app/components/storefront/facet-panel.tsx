import type { ChangeEvent, ReactNode } from "react";
import { FIELD_CODES, IP_TYPES, TRANSFER_MODES } from "../../../db/schema";
import { hasMessage } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import type { SearchFacets } from "~/services/catalogue/search";
import { TRL_BANDS } from "../../../search/types";
import { PRICE_BAND_RANGES, TRL_BAND_RANGES, bandRangeValue, listValue, priceRangeValue, trlRangeValue } from "./query";

/** Institutions shown before "more" (the facet lists up to a hundred). */
const INSTITUTIONS_SHOWN = 8;

interface Option {
  value: string;
  label: string;
  /** null when unknown (the engine is down) */
  count: number | null;
}

interface PanelProps {
  /** The query the panel shows: the one being loaded while a navigation is pending, else the current one. */
  view: URLSearchParams;
  /** null while the engine is down: options are listed without counts */
  facets: SearchFacets | null;
  onChange: (event: ChangeEvent<HTMLInputElement>) => void;
  /** The name of an institution the query names by id (API-style links), when known. */
  institutionName: string | null;
}

function Count({ n }: { n: number | null }) {
  const locale = useLocale();
  return n === null ? null : <span className="facet__count">{n.toLocaleString(locale)}</span>;
}

/**
 * Options of a code list with their counts. With counts, options that match nothing are left out (except ticked
 * ones, so they can be unticked); without counts (degraded), every code is offered.
 */
function codeOptions(codes: readonly string[], counts: Record<string, number> | null, label: (code: string) => string, selected: string[]): Option[] {
  return codes
    .map((value) => ({ value, label: label(value), count: counts ? counts[value] ?? 0 : null }))
    .filter((o) => o.count === null || o.count > 0 || selected.includes(o.value));
}

/**
 * Options keyed by free values (institutions, regions): by count, largest first; the ticked one always present. Ties
 * go by code point, not localeCompare: the server's default locale and the browser's order Chinese differently, and
 * the page would not hydrate.
 */
function valueOptions(counts: Record<string, number> | null, label: (value: string) => string, selected: string | null): Option[] {
  const entries = Object.entries(counts ?? {}).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const options: Option[] = entries.map(([value, count]) => ({ value, label: label(value), count }));
  if (selected && !options.some((o) => o.value === selected)) options.unshift({ value: selected, label: label(selected), count: counts ? 0 : null });
  return options;
}

function Group({ title, children, id }: { title: string; children: ReactNode; id: string }) {
  return (
    <fieldset className="facet" id={id}>
      <legend className="facet__title">{title}</legend>
      {children}
    </fieldset>
  );
}

function Checkboxes({ name, options, checked, onChange }: { name: string; options: Option[]; checked: string[]; onChange: PanelProps["onChange"] }) {
  return (
    <ul className="facet__options">
      {options.map((o) => (
        <li key={o.value}>
          <label className="facet__option">
            <input type="checkbox" name={name} value={o.value} checked={checked.includes(o.value)} onChange={onChange} />
            <span className="facet__label">{o.label}</span>
            <Count n={o.count} />
          </label>
        </li>
      ))}
    </ul>
  );
}

function Radios({
  name,
  options,
  checked,
  onChange,
  anyLabel,
}: {
  name: string;
  options: Option[];
  checked: string;
  onChange: PanelProps["onChange"];
  anyLabel: string;
}) {
  return (
    <ul className="facet__options">
      <li>
        <label className="facet__option">
          <input type="radio" name={name} value="" checked={checked === ""} onChange={onChange} />
          <span className="facet__label">{anyLabel}</span>
        </label>
      </li>
      {options.map((o) => (
        <li key={o.value}>
          <label className="facet__option">
            <input type="radio" name={name} value={o.value} checked={checked === o.value} onChange={onChange} />
            <span className="facet__label">{o.label}</span>
            <Count n={o.count} />
          </label>
        </li>
      ))}
    </ul>
  );
}

/**
 * The filters, as form controls of the page's GET form: checkboxes for the lists that take several values (field, IP
 * type), radios for the rest. Counts are disjunctive (a group's counts ignore the group's own filter), so ticking a
 * second field shows how many it adds.
 */
export function FacetPanel({ view, facets, onChange, institutionName }: PanelProps) {
  const t = useT();
  const locale = useLocale();
  const any = t("storefront.facet.any");
  const fields = listValue(view, "field");
  const ipTypes = listValue(view, "ip_type");
  const trl = trlRangeValue(view);
  const price = priceRangeValue(view);
  const rawInstitution = view.get("institution");
  const byId = rawInstitution !== null && /^\d+$/.test(rawInstitution);
  // By id: shown (and re-submitted) as the name, which filters the same listings.
  const institution = byId ? institutionName : rawInstitution;
  const region = view.get("region");

  const trlOptions: Option[] = TRL_BANDS.map((band) => ({
    value: `${TRL_BAND_RANGES[band][0]}-${TRL_BAND_RANGES[band][1]}`,
    label: t(`storefront.band.${band}.range`),
    count: facets ? facets.trl_band[band] ?? 0 : null,
  })).filter((o) => o.count === null || o.count > 0 || o.value === trl);
  // A range that is not one of the bands (from an API-style link) stays selectable so the radio group shows it.
  if (trl && !trlOptions.some((o) => o.value === trl)) {
    const [min, max] = trl.split("-");
    trlOptions.push({ value: trl, label: t("storefront.chip.trl", { min, max }), count: null });
  }

  const priceOptions: Option[] = (Object.keys(PRICE_BAND_RANGES) as (keyof typeof PRICE_BAND_RANGES)[])
    .map((band) => ({
      value: bandRangeValue(PRICE_BAND_RANGES[band]),
      label: t(`storefront.price.${band}`),
      count: facets ? facets.price_bands[band] ?? 0 : null,
    }))
    .filter((o) => o.count === null || o.count > 0 || o.value === price);
  if (price && !priceOptions.some((o) => o.value === price)) {
    priceOptions.push({ value: price, label: t("storefront.price.custom"), count: null });
  }
  const negotiable = facets?.price_bands.negotiable ?? 0;

  const institutionOptions = valueOptions(facets?.institution ?? null, (v) => v, institution);
  const regionOptions = valueOptions(facets?.region ?? null, (v) => (hasMessage(`region.${v}`) ? t(`region.${v}`) : v), region);
  const voucherCount = facets ? facets.voucher_eligible["true"] ?? 0 : null;
  const shownInstitutions = institutionOptions.slice(0, INSTITUTIONS_SHOWN);
  const moreInstitutions = institutionOptions.slice(INSTITUTIONS_SHOWN);
  const selectedIsHidden = moreInstitutions.some((o) => o.value === institution);

  const fieldOptions = codeOptions(FIELD_CODES, facets?.field ?? null, (c) => t(`field.${c}`), fields);
  const mode = view.get("mode") ?? "";
  const modeOptions = codeOptions(TRANSFER_MODES, facets?.modes ?? null, (c) => t(`mode.${c}`), mode ? [mode] : []);
  const ipOptions = codeOptions(IP_TYPES, facets?.ip_types ?? null, (c) => t(`catalogue.ipType.${c}`), ipTypes);
  const voucher = view.get("voucher") === "true";

  // A group with nothing to choose (no matches, nothing ticked) is left out rather than shown empty.
  return (
    <div className="facets__groups">
      {voucher || voucherCount !== 0 ? (
        <Group title={t("storefront.facet.voucher")} id="facet-voucher">
          <ul className="facet__options">
            <li>
              <label className="facet__option">
                <input type="checkbox" name="voucher" value="true" checked={voucher} onChange={onChange} />
                <span className="facet__label">{t("storefront.facet.voucherOnly")}</span>
                <Count n={voucherCount} />
              </label>
            </li>
          </ul>
        </Group>
      ) : null}
      {trlOptions.length > 0 ? (
        <Group title={t("result.trl")} id="facet-trl">
          <Radios name="trl" options={trlOptions} checked={trl} onChange={onChange} anyLabel={any} />
        </Group>
      ) : null}
      {fieldOptions.length > 0 ? (
        <Group title={t("storefront.facet.field")} id="facet-field">
          <Checkboxes name="field" options={fieldOptions} checked={fields} onChange={onChange} />
        </Group>
      ) : null}
      {modeOptions.length > 0 ? (
        <Group title={t("storefront.facet.mode")} id="facet-mode">
          <Radios name="mode" options={modeOptions} checked={mode} onChange={onChange} anyLabel={any} />
        </Group>
      ) : null}
      {priceOptions.length > 0 || negotiable > 0 ? (
        <Group title={t("storefront.facet.price")} id="facet-price">
          {priceOptions.length > 0 ? <Radios name="price" options={priceOptions} checked={price} onChange={onChange} anyLabel={any} /> : null}
          {negotiable > 0 ? <p className="facet__note">{t("storefront.facet.negotiableCount", { count: negotiable.toLocaleString(locale) })}</p> : null}
        </Group>
      ) : null}
      {ipOptions.length > 0 ? (
        <Group title={t("storefront.facet.ip")} id="facet-ip">
          <Checkboxes name="ip_type" options={ipOptions} checked={ipTypes} onChange={onChange} />
        </Group>
      ) : null}
      {institutionOptions.length > 0 ? (
        <Group title={t("storefront.facet.institution")} id="facet-institution">
          <Radios name="institution" options={shownInstitutions} checked={institution ?? ""} onChange={onChange} anyLabel={any} />
          {moreInstitutions.length > 0 ? (
            <details className="facet__more" open={selectedIsHidden}>
              <summary>{t("storefront.facet.more", { count: moreInstitutions.length })}</summary>
              <ul className="facet__options">
                {moreInstitutions.map((o) => (
                  <li key={o.value}>
                    <label className="facet__option">
                      <input type="radio" name="institution" value={o.value} checked={institution === o.value} onChange={onChange} />
                      <span className="facet__label">{o.label}</span>
                      <Count n={o.count} />
                    </label>
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </Group>
      ) : rawInstitution ? (
        // Engine down, or an id whose name is unknown: keep it in the form so other filters do not drop it.
        <input type="hidden" name="institution" value={institution ?? rawInstitution} />
      ) : null}
      {regionOptions.length > 0 ? (
        <Group title={t("storefront.facet.region")} id="facet-region">
          <Radios name="region" options={regionOptions} checked={region ?? ""} onChange={onChange} anyLabel={any} />
        </Group>
      ) : null}
    </div>
  );
}
