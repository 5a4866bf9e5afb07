/**
 * Who sees a listing on the storefront (issue 3), stated once for search, the public API and the detail page:
 * - only results with status "listed";
 * - owners re-confirm every 180 days: a listing not confirmed (or, never confirmed, not listed) within that time is
 *   stale and leaves the storefront until re-confirmed;
 * - a state-funded result with a negotiated price (面议 on at least one mode) is "in publicity (公示)" for 15 days
 *   after listing, before it can be bought. It is shown, marked as such.
 */

export const STALE_AFTER_DAYS = 180;
export const PUBLICITY_DAYS = 15;
const DAY_MS = 86_400_000;

/** Listings confirmed before this instant are stale. */
export function staleBefore(now: Date): Date {
  return new Date(now.getTime() - STALE_AFTER_DAYS * DAY_MS);
}

/** When the publicity period ends, or null if the listing needs none. */
export function publicityEndsAt(listing: { state_funded: boolean; negotiable: boolean; listed_at: Date | number }): Date | null {
  if (!listing.state_funded || !listing.negotiable) return null;
  const listed = typeof listing.listed_at === "number" ? listing.listed_at : listing.listed_at.getTime();
  return new Date(listed + PUBLICITY_DAYS * DAY_MS);
}

export function inPublicity(listing: { state_funded: boolean; negotiable: boolean; listed_at: Date | number }, now: Date): boolean {
  const ends = publicityEndsAt(listing);
  return ends !== null && now < ends;
}
