import { useEffect, useRef, useState, type ReactNode } from "react";
import { useT } from "~/i18n/context";

/**
 * A frame whose wide content (a table on a phone) scrolls sideways. While it does scroll it takes keyboard focus, so
 * it can be scrolled without a pointer too (WCAG 2.1.1); where everything fits it adds no tab stop.
 */
export function ScrollArea({ className = "table-wrap", children }: { className?: string; children: ReactNode }) {
  const t = useT();
  const ref = useRef<HTMLDivElement>(null);
  const [scrolls, setScrolls] = useState(false);
  useEffect(() => {
    const frame = ref.current;
    if (!frame) return;
    const measure = () => setScrolls(frame.scrollWidth > frame.clientWidth + 1);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(frame);
    return () => observer.disconnect();
  }, []);
  return (
    <div ref={ref} className={className} {...(scrolls ? { tabIndex: 0, role: "region", "aria-label": t("scrollArea.label") } : {})}>
      {children}
    </div>
  );
}
