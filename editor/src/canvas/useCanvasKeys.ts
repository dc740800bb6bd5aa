import { useEffect, useRef, type RefObject } from 'react';
import { shortcutOf, type ShortcutAction } from './shortcuts.js';

/**
 * Runs canvas shortcuts pressed while the canvas (or nothing in particular) has focus, never while
 * the person types in a field or works in another panel.
 */
export function useCanvasKeys(area: RefObject<HTMLElement | null>, run: (action: ShortcutAction) => void): void {
  const latest = useRef(run);
  latest.current = run;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const inside = area.current?.contains(event.target as Node) === true || event.target === document.body;
      if (!inside) return;
      const action = shortcutOf(event, event.target);
      if (action === undefined) return;
      event.preventDefault();
      latest.current(action);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [area]);
}
