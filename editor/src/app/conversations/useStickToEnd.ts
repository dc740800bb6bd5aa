import { useEffect, useRef } from 'react';

/**
 * Keeps the end of a growing list in view: when `count` grows and the end marker was on screen,
 * it is scrolled into view again, so an operator reading the latest messages keeps seeing new
 * ones; someone scrolled up to read older ones stays where they are. The first fill never scrolls.
 */
export function useStickToEnd(count: number) {
  const endRef = useRef<HTMLDivElement>(null);
  const atEnd = useRef(false);
  const previous = useRef(count);

  useEffect(() => {
    const end = endRef.current;
    if (end === null || typeof IntersectionObserver === 'undefined') return undefined;
    const observer = new IntersectionObserver((entries) => {
      atEnd.current = entries.some((e) => e.isIntersecting);
    });
    observer.observe(end);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const grew = previous.current > 0 && count > previous.current;
    previous.current = count;
    if (grew && atEnd.current) endRef.current?.scrollIntoView?.({ block: 'end', behavior: 'smooth' });
  }, [count]);

  return endRef;
}
