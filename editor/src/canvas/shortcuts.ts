/** What the canvas does for a key press (Delete and Backspace are React Flow's own). */
export type ShortcutAction = 'undo' | 'redo' | 'copy' | 'cut' | 'paste' | 'duplicate' | 'selectAll' | 'fitView' | 'layout';

/** The shortcuts, as the help popover lists them. */
export const SHORTCUTS: readonly { keys: string; action: string }[] = [
  { keys: 'Ctrl/⌘ Z', action: 'Undo' },
  { keys: 'Ctrl/⌘ Shift Z, Ctrl Y', action: 'Redo' },
  { keys: 'Ctrl/⌘ C / X / V', action: 'Copy, cut, paste nodes' },
  { keys: 'Ctrl/⌘ D', action: 'Duplicate selection' },
  { keys: 'Ctrl/⌘ A', action: 'Select everything' },
  { keys: 'Delete, Backspace', action: 'Delete selection' },
  { keys: 'Shift drag', action: 'Select an area' },
  { keys: 'Ctrl/⌘ click', action: 'Add to selection' },
  { keys: 'F', action: 'Zoom to fit' },
  { keys: 'Shift L', action: 'Arrange automatically' },
];

interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** The action for a key press, or undefined; never one while the person types in a field. */
export function shortcutOf(event: KeyLike, target: EventTarget | null): ShortcutAction | undefined {
  if (isTyping(target) || event.altKey) return undefined;
  const key = event.key.toLowerCase();
  const mod = event.ctrlKey || event.metaKey;
  if (mod) {
    if (key === 'z') return event.shiftKey ? 'redo' : 'undo';
    if (key === 'y') return 'redo';
    if (event.shiftKey) return undefined;
    if (key === 'c') return 'copy';
    if (key === 'x') return 'cut';
    if (key === 'v') return 'paste';
    if (key === 'd') return 'duplicate';
    if (key === 'a') return 'selectAll';
    return undefined;
  }
  if (key === 'f' && !event.shiftKey) return 'fitView';
  if (key === 'l' && event.shiftKey) return 'layout';
  return undefined;
}

function isTyping(target: EventTarget | null): boolean {
  const element = target as (HTMLElement & { isContentEditable?: boolean }) | null;
  if (element === null || typeof element.tagName !== 'string') return false;
  return ['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName) || element.isContentEditable === true;
}
