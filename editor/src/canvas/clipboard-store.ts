import { parseClipboard, type ClipboardContent } from './clipboard.js';

/**
 * Where copied nodes wait: localStorage, so they can be pasted into another flow or another tab,
 * and memory when storage is off. The system clipboard gets the JSON too, best effort.
 */
const KEY = 'nexusflow.clipboard';
let memory: ClipboardContent | undefined;

export function writeClipboard(content: ClipboardContent): void {
  if (content.nodes.length === 0) return;
  memory = content;
  const text = JSON.stringify(content);
  try {
    localStorage.setItem(KEY, text);
  } catch {
    // Storage off or full: memory still has it.
  }
  void navigator.clipboard?.writeText(text).catch(() => undefined);
}

export function readClipboard(): ClipboardContent | undefined {
  try {
    const text = localStorage.getItem(KEY);
    if (text !== null) return parseClipboard(text) ?? memory;
  } catch {
    // Storage off: fall back to memory.
  }
  return memory;
}
