import { findOwnScript, LOG_PREFIX, readConfig } from './config.js';
import { Widget } from './widget.js';

/**
 * The embeddable chat widget: `<script src="https://<server>/widget.js" data-deployment="pk_...">`.
 * Bundled by the server into one IIFE; the only global it leaves is `window.NexusFlowWidget`.
 */

export interface NexusFlowWidgetApi {
  open(): void;
  close(): void;
  /** Sends a message as the visitor (opens the conversation if the welcome screen is showing). */
  send(text: string): void;
}

declare global {
  interface Window {
    NexusFlowWidget?: NexusFlowWidgetApi;
  }
}

function boot(): void {
  if (window.NexusFlowWidget !== undefined) {
    console.warn(`${LOG_PREFIX} the widget script is on this page twice; only the first one runs.`);
    return;
  }
  const script = findOwnScript();
  if (script === undefined) {
    console.error(`${LOG_PREFIX} cannot find its own <script> tag; load it with <script src=".../widget.js" data-deployment="pk_..."></script>.`);
    return;
  }
  const read = readConfig(script);
  if (!read.ok) {
    console.error(`${LOG_PREFIX} not started: ${read.reason}`);
    return;
  }
  const widget = new Widget(read.config);
  const api: NexusFlowWidgetApi = Object.freeze({
    open: () => widget.open(),
    close: () => widget.close(),
    send: (text: string) => {
      if (typeof text !== 'string' || text.trim() === '') throw new TypeError(`${LOG_PREFIX} send(text) needs a non-empty string`);
      widget.send(text.trim());
    },
  });
  Object.defineProperty(window, 'NexusFlowWidget', { value: api, configurable: false, enumerable: false, writable: false });
  const mount = () => widget.mount(document.body);
  if (document.body !== null) mount();
  else document.addEventListener('DOMContentLoaded', mount, { once: true });
}

boot();
