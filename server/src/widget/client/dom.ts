/** Small DOM helpers. Text always goes in as text nodes: nothing from the server is parsed as markup. */

type Child = Node | string | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(name, value);
  for (const child of children) if (child !== undefined && child !== false) element.append(child);
  return element;
}

/** Only web links are followed; `javascript:` and other schemes stay text. */
export function safeUrl(raw: string, base: string): string | undefined {
  try {
    const url = new URL(raw, base);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const LINK = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

/** Text with its web addresses as links that open in a new tab. */
export function richText(text: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    const start = match.index ?? 0;
    if (start > last) fragment.append(text.slice(last, start));
    const href = safeUrl(match[0], 'https://invalid.example/');
    fragment.append(href === undefined ? match[0] : el('a', { href, target: '_blank', rel: 'noopener noreferrer nofollow' }, match[0]));
    last = start + match[0].length;
  }
  if (last < text.length) fragment.append(text.slice(last));
  return fragment;
}

/** Black or white text, whichever reads better on the given colour (WCAG relative luminance). */
export function readableOn(rgb: string): string {
  const parts = rgb.match(/[\d.]+/g)?.slice(0, 3).map(Number) ?? [];
  if (parts.length < 3) return '#ffffff';
  const [r, g, b] = parts.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // Contrast against white vs against the dark text colour (#111827, luminance ~0.009).
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.059 ? '#ffffff' : '#111827';
}
