import { useEffect, useRef, useState } from "react";

function prefersReducedMotion(): boolean {
  return typeof window !== "undefined" && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

/**
 * The value, eased from the previous one over `ms` when it changes (requestAnimationFrame; at once when the reader
 * asks for reduced motion). The first render shows the value itself, so server and browser agree.
 */
export function useTweenedNumber(value: number, ms = 1600): number {
  const [shown, setShown] = useState(value);
  const from = useRef(value);
  const shownRef = useRef(value);
  shownRef.current = shown;

  useEffect(() => {
    from.current = shownRef.current;
    if (from.current === value) return;
    if (prefersReducedMotion()) {
      setShown(value);
      return;
    }
    let frame = 0;
    const start = performance.now();
    const step = (t: number) => {
      const k = Math.min(1, (t - start) / ms);
      const eased = 1 - Math.pow(1 - k, 3);
      setShown(k >= 1 ? value : from.current + (value - from.current) * eased);
      if (k < 1) frame = requestAnimationFrame(step);
    };
    frame = requestAnimationFrame(step);
    return () => cancelAnimationFrame(frame);
  }, [value, ms]);

  return shown;
}

/** A number that counts to its new value when it changes; `format` turns the in-between values into text. */
export function AnimatedNumber({ value, format, className }: { value: number; format: (n: number) => string; className?: string }) {
  const shown = useTweenedNumber(value);
  return <span className={className}>{format(shown)}</span>;
}
