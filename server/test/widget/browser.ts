import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Screenshots of the widget for people to look at: server/test/artifacts/widget-*.png (gitignored). */
export const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../artifacts');

/** Flags for Debian's Chromium on these machines: no sandbox as root, nothing that calls out. */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: FLAGS });
}

export async function keepScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `widget-${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/*
 * In-page probes, as source text: the server's type-check has no DOM types, and these run in the
 * browser, not in Node.
 */

/** Names on `window` before any page script ran, to find what the widget added. */
export const RECORD_GLOBALS = `window.__globalsBeforeWidget = Object.getOwnPropertyNames(window);`;

export const NEW_GLOBALS = `Object.getOwnPropertyNames(window).filter((name) => !window.__globalsBeforeWidget.includes(name) && name !== '__globalsBeforeWidget')`;

/**
 * Watches the widget's shadow root and keeps what a person would have seen: every text a
 * streaming bubble showed, and whether the typing dots were on screen.
 */
export const WATCH_STREAM = `(() => {
  const root = document.querySelector('nexusflow-widget').shadowRoot;
  const seen = { streamed: [], typingShown: false };
  const look = () => {
    const typing = root.querySelector('.nf-typing');
    if (typing && !typing.hidden && typing.getClientRects().length > 0) seen.typingShown = true;
    for (const bubble of root.querySelectorAll('.nf-streaming .nf-bubble')) {
      if (seen.streamed[seen.streamed.length - 1] !== bubble.textContent) seen.streamed.push(bubble.textContent);
    }
  };
  new MutationObserver(look).observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
  window.__widgetSeen = seen;
})()`;

export const STREAM_SEEN = `window.__widgetSeen`;

/** The chat log's scroll position: how far it is from the bottom. */
export const LOG_SCROLL = `(() => {
  const log = document.querySelector('nexusflow-widget').shadowRoot.querySelector('.nf-log');
  return { top: log.scrollTop, fromBottom: log.scrollHeight - log.scrollTop - log.clientHeight, scrollable: log.scrollHeight > log.clientHeight };
})()`;

export const SCROLL_LOG_TO_TOP = `(() => { const log = document.querySelector('nexusflow-widget').shadowRoot.querySelector('.nf-log'); log.scrollTop = 0; log.dispatchEvent(new Event('scroll')); })()`;

/** Computed styles of an element inside the widget (or of the host element itself for ':host'). */
const styleOf = (selector: string, properties: string[]) => `(() => {
  const host = document.querySelector('nexusflow-widget');
  const element = ${JSON.stringify(selector)} === ':host' ? host : host.shadowRoot.querySelector(${JSON.stringify(selector)});
  const style = getComputedStyle(element);
  return Object.fromEntries(${JSON.stringify(properties)}.map((p) => [p, style.getPropertyValue(p)]));
})()`;

/** Computed styles inside the widget: `selector` in its shadow root, or ':host' for the element on the page. */
export async function stylesOf(page: Page, selector: string, properties: string[]): Promise<Record<string, string>> {
  return (await page.evaluate(styleOf(selector, properties))) as Record<string, string>;
}
