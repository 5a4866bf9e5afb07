import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  Form,
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useMatches,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import type { ReactNode } from "react";
import { DEFAULT_LOCALE, translator, type Locale } from "~/i18n";
import { LocaleProvider, useT } from "~/i18n/context";
import { getLocale } from "~/locale.server";
import { getSessionUser } from "~/session.server";
import type { SessionUser } from "~/services/accounts/types";
import { currentNavItem, navigationFor } from "~/navigation";
import stylesheet from "~/styles/app.css?url";

export const links: LinksFunction = () => [
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
  { rel: "stylesheet", href: stylesheet },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const [locale, user] = await Promise.all([getLocale(request), getSessionUser(request)]);
  return { locale, user };
}

export const meta: MetaFunction<typeof loader> = ({ data }) => {
  const t = translator(data?.locale ?? DEFAULT_LOCALE);
  return [{ title: `${t("app.name")} · ${t("app.tagline")}` }];
};

function useRootData(): { locale: Locale; user: SessionUser | null } {
  const data = useRouteLoaderData<typeof loader>("root");
  return { locale: data?.locale ?? DEFAULT_LOCALE, user: data?.user ?? null };
}

export function Layout({ children }: { children: ReactNode }) {
  const { locale } = useRootData();
  return (
    <html lang={locale}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <LocaleProvider locale={locale}>{children}</LocaleProvider>
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

function Header() {
  const { locale, user } = useRootData();
  const t = useT();
  const location = useLocation();
  const here = location.pathname + location.search;
  const items = navigationFor(user?.role ?? null);
  // One highlighted item: the operator's payouts are under /operator, and only 机构结算 should light up there.
  const current = currentNavItem(items, location.pathname);
  return (
    <header className="site-header">
      <div className="site-header__inner">
        <Link to="/" className="brand">
          <span className="brand__mark" aria-hidden>科</span>
          <span className="brand__name">{t("app.name")}</span>
        </Link>
        <nav aria-label={t("nav.menu")} className="site-nav">
          {items.map((item) => (
            <Link
              key={item.to}
              to={item.to}
              className={item === current ? "site-nav__link active" : "site-nav__link"}
              aria-current={item === current ? "page" : undefined}
            >
              {t(item.label)}
            </Link>
          ))}
        </nav>
        <div className="site-header__actions">
          <Form method="post" action="/set-locale" className="inline-form">
            <input type="hidden" name="locale" value={locale === "en" ? "zh-CN" : "en"} />
            <input type="hidden" name="redirectTo" value={here} />
            <button type="submit" className="link-button" lang={locale === "en" ? "zh-CN" : "en"}>
              {t("nav.language")}
            </button>
          </Form>
          {user ? (
            <>
              <Link to="/account" className="user-chip" title={`${t("nav.account")} · ${user.organisationName}`}>
                {user.displayName}
                <small>{t(`role.${user.role}`)}</small>
              </Link>
              <Form method="post" action="/logout" className="inline-form">
                <button type="submit" className="button button--ghost">
                  {t("nav.logout")}
                </button>
              </Form>
            </>
          ) : (
            <>
              <Link to={`/login?redirectTo=${encodeURIComponent(here)}`} className="button button--ghost">
                {t("nav.login")}
              </Link>
              <Link to="/signup" className="button">
                {t("nav.signup")}
              </Link>
            </>
          )}
        </div>
      </div>
    </header>
  );
}

function Footer() {
  const t = useT();
  return (
    <footer className="site-footer">
      <p>
        {t("app.name")} · {t("app.tagline")}
      </p>
    </footer>
  );
}

export default function App() {
  // Routes with `handle = { bare: true }` (the big screen) fill the window themselves: no header or footer.
  const bare = useMatches().some((m) => (m.handle as { bare?: boolean } | undefined)?.bare === true);
  if (bare) return <Outlet />;
  return (
    <>
      <Header />
      <main className="site-main">
        <Outlet />
      </main>
      <Footer />
    </>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const { locale } = useRootData();
  const t = translator(locale);
  let kind: "notFound" | "forbidden" | "generic" = "generic";
  if (isRouteErrorResponse(error)) {
    if (error.status === 404) kind = "notFound";
    else if (error.status === 403) kind = "forbidden";
  }
  if (kind === "generic") console.error(error);
  return (
    <>
      <Header />
      <main className="site-main">
        <section className="error-page" role="alert">
          <p className="error-page__code">{isRouteErrorResponse(error) ? error.status : 500}</p>
          <h1>{t(`error.${kind}.title`)}</h1>
          <p>{t(`error.${kind}.body`)}</p>
          <Link to="/" className="button">
            {t("error.backHome")}
          </Link>
        </section>
      </main>
    </>
  );
}
