import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useEffect, useLayoutEffect, useRef, useState, type CSSProperties } from "react";
import { AnimatedNumber } from "~/components/storefront/animated-number";
import { amountParts, compactPrice } from "~/components/storefront/screen-amounts";
import { getDb } from "~/db.server";
import { DEFAULT_LOCALE, translator } from "~/i18n";
import { useLocale, useT } from "~/i18n/context";
import screenCss from "~/styles/screen.css?url";
import { loadScreenData, type ScreenData, type ScreenDeal, type ScreenWallItem } from "~/components/storefront/screen-data.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: screenCss }];

export const meta: MetaFunction = () => {
  const t = translator(DEFAULT_LOCALE);
  return [{ title: `${t("storefront.screen.title")} · ${t("app.name")}` }];
};

/** The root layout leaves out its header and footer for routes that set this (a wall display has no navigation). */
export const handle = { bare: true };

/** How often the screen asks for fresh figures. */
const POLL_MS = 20_000;
/** Wall speed: seconds for one row of cards to pass. */
const SECONDS_PER_ROW = 4;

export async function loader({ request }: LoaderFunctionArgs) {
  const data = await loadScreenData(await getDb());
  return { data, host: new URL(request.url).host };
}

// Useful in the browser only: the server renders the static version and this does nothing there.
const useBrowserLayoutEffect = typeof window === "undefined" ? useEffect : useLayoutEffect;

function Clock({ initial }: { initial: string }) {
  const locale = useLocale();
  // Starts at the server's time so the first render matches; ticks once the page runs.
  const [now, setNow] = useState(() => new Date(initial));
  useEffect(() => {
    setNow(new Date());
    const id = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(id);
  }, []);
  const date = new Intl.DateTimeFormat(locale, { year: "numeric", month: "long", day: "numeric", weekday: "long", timeZone: "Asia/Shanghai" }).format(now);
  const time = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: "Asia/Shanghai" }).format(now);
  return (
    <div className="scr-clock">
      <time className="scr-clock__time" dateTime={now.toISOString()}>
        {time}
      </time>
      <span className="scr-clock__date">{date}</span>
    </div>
  );
}

function Growth({ pct, label }: { pct: number | null; label: string }) {
  const t = useT();
  if (pct === null) return <span className="scr-growth scr-growth--none">{t("storefront.screen.growthNone", { label })}</span>;
  const up = pct >= 0;
  return (
    <span className={`scr-growth ${up ? "scr-growth--up" : "scr-growth--down"}`}>
      {label} <span aria-hidden="true">{up ? "▲" : "▼"}</span>
      {t(up ? "storefront.screen.growthUp" : "storefront.screen.growthDown", { pct: Math.abs(pct).toFixed(2) })}
    </span>
  );
}

function Turnover({ turnover, awaiting }: { turnover: ScreenData["turnover"]; awaiting: number }) {
  const t = useT();
  const locale = useLocale();
  const unit = amountParts(turnover.amount_fen, locale).unit;
  const income = amountParts(turnover.technical_income_fen, locale);
  return (
    <section className="scr-panel scr-turnover" aria-labelledby="scr-turnover-title">
      <h2 id="scr-turnover-title" className="scr-panel__title">
        {t("storefront.screen.turnoverTitle", { year: turnover.year })}
      </h2>
      <p className="scr-turnover__amount">
        <span className="scr-turnover__label">{t("storefront.screen.amount")}</span>
        <span className="scr-figure">
          <AnimatedNumber value={turnover.amount_fen} format={(n) => amountParts(n, locale).value} className="scr-figure__value" />
          <span className="scr-figure__unit">{unit}</span>
        </span>
        <Growth pct={turnover.growth.amount_pct} label={t("storefront.screen.yoy")} />
      </p>
      <div className="scr-turnover__row">
        <p>
          <span className="scr-turnover__label">{t("storefront.screen.contracts")}</span>
          <span className="scr-figure scr-figure--small">
            <AnimatedNumber value={turnover.contracts} format={(n) => Math.round(n).toLocaleString(locale)} className="scr-figure__value" />
            <span className="scr-figure__unit">{t("storefront.screen.items")}</span>
          </span>
          <Growth pct={turnover.growth.contracts_pct} label={t("storefront.screen.yoy")} />
        </p>
        <p>
          <span className="scr-turnover__label">{t("storefront.screen.income")}</span>
          <span className="scr-figure scr-figure--small">
            <span className="scr-figure__value">{income.value}</span>
            <span className="scr-figure__unit">{income.unit}</span>
          </span>
        </p>
        <p>
          <span className="scr-turnover__label">{t("storefront.screen.awaiting")}</span>
          <span className="scr-figure scr-figure--small">
            <AnimatedNumber value={awaiting} format={(n) => Math.round(n).toLocaleString(locale)} className="scr-figure__value" />
            <span className="scr-figure__unit">{t("storefront.screen.items")}</span>
          </span>
        </p>
      </div>
    </section>
  );
}

function Deals({ deals }: { deals: ScreenDeal[] }) {
  const t = useT();
  const locale = useLocale();
  // Rows that arrive with a poll glow for a moment, so a new deal is noticed across the hall.
  const seen = useRef<Set<number> | null>(null);
  const fresh = seen.current ? new Set(deals.filter((d) => !seen.current!.has(d.id)).map((d) => d.id)) : new Set<number>();
  useEffect(() => {
    seen.current = new Set(deals.map((d) => d.id));
  }, [deals]);
  return (
    <section className="scr-panel scr-deals" aria-labelledby="scr-deals-title">
      <h2 id="scr-deals-title" className="scr-panel__title">
        {t("storefront.screen.dealsTitle")}
      </h2>
      {deals.length === 0 ? (
        <p className="scr-empty">{t("storefront.screen.noDeals")}</p>
      ) : (
        <ol className="scr-deals__list">
          {deals.map((d) => (
            <li key={d.id} className={fresh.has(d.id) ? "is-new" : undefined}>
              <span className="scr-deals__date">{d.signed_on.slice(5).replace("-", "/")}</span>
              <span className="scr-deals__type">{t(`contracts.type.${d.type}`)}</span>
              <span className="scr-deals__what">
                {t(`field.${d.field}`)}
                {d.seller ? ` · ${d.seller}` : ` · ${t(`contracts.sellerType.${d.seller_type}`)}`}
              </span>
              <span className="scr-deals__amount">{compactPrice(d.amount_fen, locale)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function WallCard({ item }: { item: ScreenWallItem }) {
  const t = useT();
  const locale = useLocale();
  return (
    <li className={`scr-card scr-card--${item.field}`}>
      <span className="scr-card__field">{t(`field.${item.field}`)}</span>
      <span className="scr-card__title">{item.title}</span>
      <span className="scr-card__meta">
        <span>{item.institution}</span>
        <span>
          TRL {item.trl} · {t(`trl.${item.trl}`)}
        </span>
      </span>
      <span className="scr-card__foot">
        <span className="scr-card__price">
          {item.price_min_fen === null ? t("result.negotiable") : t("storefront.screen.from", { price: compactPrice(item.price_min_fen, locale) })}
        </span>
        {item.voucher_eligible ? <span className="scr-card__voucher">{t("storefront.screen.voucher")}</span> : null}
      </span>
    </li>
  );
}

/**
 * The results awaiting transfer, scrolling upward in a seamless loop: the list is drawn twice and the track moves by
 * exactly one copy, then starts over. It only moves when it overflows, and not at all for prefers-reduced-motion.
 */
function Wall({ items, awaiting }: { items: ScreenWallItem[]; awaiting: number }) {
  const t = useT();
  const locale = useLocale();
  const viewport = useRef<HTMLDivElement>(null);
  const copy = useRef<HTMLOListElement>(null);
  const [rows, setRows] = useState(0);

  useBrowserLayoutEffect(() => {
    const measure = () => {
      const box = viewport.current;
      const list = copy.current;
      if (!box || !list) return;
      const overflow = list.scrollHeight > box.clientHeight;
      const first = list.firstElementChild as HTMLElement | null;
      const rowHeight = first ? first.offsetHeight : 1;
      setRows(overflow ? Math.max(1, Math.round(list.scrollHeight / rowHeight)) : 0);
    };
    measure();
    const observer = new ResizeObserver(measure);
    if (viewport.current) observer.observe(viewport.current);
    return () => observer.disconnect();
  }, [items]);

  const moving = rows > 0;
  return (
    <section className="scr-panel scr-wall" aria-labelledby="scr-wall-title">
      <h2 id="scr-wall-title" className="scr-panel__title">
        {t("storefront.screen.wallTitle")}
        <span className="scr-panel__count">{t("storefront.screen.wallCount", { count: awaiting.toLocaleString(locale) })}</span>
      </h2>
      {items.length === 0 ? (
        <p className="scr-empty">{t("storefront.screen.noResults")}</p>
      ) : (
        <div className="scr-wall__viewport" ref={viewport}>
          <div
            className={`scr-wall__track${moving ? " is-moving" : ""}`}
            style={moving ? ({ "--scr-duration": `${rows * SECONDS_PER_ROW}s` } as CSSProperties) : undefined}
          >
            <ol className="scr-wall__list" ref={copy}>
              {items.map((item) => (
                <WallCard key={item.id} item={item} />
              ))}
            </ol>
            {moving ? (
              <ol className="scr-wall__list" aria-hidden="true">
                {items.map((item) => (
                  <WallCard key={item.id} item={item} />
                ))}
              </ol>
            ) : null}
          </div>
        </div>
      )}
    </section>
  );
}

/** Polls the JSON feed; on failure keeps showing the last figures and says so. */
function useLiveData(initial: ScreenData): { data: ScreenData; offline: boolean } {
  const [data, setData] = useState(initial);
  const [offline, setOffline] = useState(false);
  useEffect(() => {
    let stopped = false;
    let controller: AbortController | null = null;
    const poll = async () => {
      controller?.abort();
      controller = new AbortController();
      try {
        const response = await fetch("/screen/data", { headers: { Accept: "application/json" }, signal: controller.signal });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const next = (await response.json()) as ScreenData;
        if (!stopped) {
          setData(next);
          setOffline(false);
        }
      } catch (error) {
        if (!stopped && !(error instanceof DOMException && error.name === "AbortError")) setOffline(true);
      }
    };
    const id = setInterval(poll, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(id);
      controller?.abort();
    };
  }, []);
  return { data, offline };
}

export default function BigScreen() {
  const { data: initial, host } = useLoaderData<typeof loader>();
  const { data, offline } = useLiveData(initial);
  const t = useT();
  const locale = useLocale();
  const updated = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: "Asia/Shanghai" }).format(
    new Date(data.generated_at),
  );
  return (
    <div className="scr">
      <header className="scr-head">
        <div className="scr-brand">
          <span className="scr-brand__mark" aria-hidden="true">
            科
          </span>
          <div>
            <h1 className="scr-brand__name">{t("app.name")}</h1>
            <p className="scr-brand__sub">{t("storefront.screen.subtitle")}</p>
          </div>
        </div>
        <Clock initial={initial.generated_at} />
      </header>
      <main className="scr-main">
        <Wall items={data.wall} awaiting={data.awaiting} />
        <div className="scr-side">
          <Turnover turnover={data.turnover} awaiting={data.awaiting} />
          <Deals deals={data.deals} />
        </div>
      </main>
      <footer className="scr-foot">
        <p className="scr-cta">
          {t("storefront.screen.ctaBefore")}
          <strong>{t("app.name")}</strong>
          {t("storefront.screen.ctaAfter")}
          <span className="scr-cta__host">{host}</span>
        </p>
        <p className={`scr-status${offline ? " is-offline" : ""}`} role="status">
          <span className="scr-status__dot" aria-hidden="true" />
          {offline ? t("storefront.screen.offline", { time: updated }) : t("storefront.screen.live", { time: updated, seconds: POLL_MS / 1000 })}
        </p>
      </footer>
    </div>
  );
}
