import type { HighlightSegment } from "~/services/catalogue/search";

/**
 * Text with the search engine's matches emphasised. The engine marks matches with private-use characters and the
 * service splits on them (services/catalogue/search.ts highlightSegments); every piece is rendered as a text node, so
 * whatever an owner typed into a title can never become markup.
 */
export function Highlighted({ segments, fallback }: { segments: HighlightSegment[] | null | undefined; fallback?: string }) {
  if (!segments || segments.length === 0) return <>{fallback ?? ""}</>;
  return (
    <>
      {segments.map((s, i) => (s.match ? <mark key={i}>{s.text}</mark> : <span key={i}>{s.text}</span>))}
    </>
  );
}
