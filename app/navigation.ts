import type { OrganisationKind } from "../db/schema";

export interface NavItem {
  to: string;
  /** i18n key */
  label: string;
  /** who sees it ("visitor": not logged in); absent: everyone */
  roles?: (OrganisationKind | "visitor")[];
}

// One list for the whole header: each capability adds its pages here as they land.
const NAVIGATION: NavItem[] = [
  { to: "/", label: "nav.home" },
  { to: "/results", label: "nav.results" },
  { to: "/screen", label: "nav.screen" },
  { to: "/institution/results", label: "nav.myResults", roles: ["institution"] },
  { to: "/bureau/review", label: "nav.review", roles: ["bureau"] },
  { to: "/bureau/contracts", label: "nav.contracts", roles: ["bureau"] },
  { to: "/bureau/dashboard", label: "nav.dashboard", roles: ["bureau"] },
  { to: "/vouchers", label: "nav.vouchers", roles: ["visitor", "institution", "operator"] },
  { to: "/enterprise/vouchers", label: "nav.vouchers", roles: ["enterprise"] },
  { to: "/bureau/vouchers", label: "nav.vouchers", roles: ["bureau"] },
  { to: "/enterprise/orders", label: "nav.orders", roles: ["enterprise"] },
  { to: "/institution/orders", label: "nav.sales", roles: ["institution"] },
  { to: "/institution/inquiries", label: "nav.inquiries", roles: ["institution"] },
  { to: "/operator", label: "nav.operator", roles: ["operator"] },
  { to: "/operator/payouts", label: "nav.payouts", roles: ["operator"] },
  { to: "/operator/audit", label: "nav.audit", roles: ["operator"] },
];

export function navigationFor(role: OrganisationKind | null): NavItem[] {
  return NAVIGATION.filter((item) => !item.roles || item.roles.includes(role ?? "visitor"));
}

/** The item a page belongs to: the longest whose address is the path or a parent of it ("/" only for the home page). */
export function currentNavItem(items: readonly NavItem[], pathname: string): NavItem | null {
  let best: NavItem | null = null;
  for (const item of items) {
    const matches = item.to === "/" ? pathname === "/" : pathname === item.to || pathname.startsWith(`${item.to}/`);
    if (matches && (!best || item.to.length > best.to.length)) best = item;
  }
  return best;
}
