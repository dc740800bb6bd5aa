/** The widget's settings, read from its own `<script>` tag's `data-*` attributes. */

export type ThemeSetting = 'light' | 'dark' | 'auto';
export type Position = 'bottom-right' | 'bottom-left';

export interface WidgetConfig {
  publishableKey: string;
  /** Origin of the Nexus Flow server, from the script's own src. */
  serverOrigin: string;
  /** Socket.IO's path on that server (the script may sit under a path prefix behind a proxy). */
  socketPath: string;
  title: string;
  greeting: string;
  startMessage: string;
  theme: ThemeSetting;
  /** Accent colour (bubble, header, own messages); any CSS colour. */
  color: string;
  position: Position;
}

export const DEFAULTS = {
  title: 'Chat with us',
  greeting: 'Hi there! Ask us anything. We usually answer right away.',
  startMessage: 'Hello',
  theme: 'light' as ThemeSetting,
  color: '#4f46e5',
  position: 'bottom-right' as Position,
};

export const LOG_PREFIX = '[Nexus Flow widget]';

/** A bad setting: the widget still starts, with the default, and says how to fix the tag. */
function warn(message: string): void {
  console.warn(`${LOG_PREFIX} ${message}`);
}

function text(script: HTMLScriptElement, name: string, fallback: string, max: number): string {
  const value = script.getAttribute(`data-${name}`);
  if (value === null || value.trim() === '') return fallback;
  if (value.length > max) {
    warn(`data-${name} is longer than ${max} characters; it was cut.`);
    return value.slice(0, max);
  }
  return value.trim();
}

function oneOf<T extends string>(script: HTMLScriptElement, name: string, allowed: readonly T[], fallback: T): T {
  const value = script.getAttribute(`data-${name}`);
  if (value === null || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  warn(`data-${name}="${value}" is not one of ${allowed.map((a) => `"${a}"`).join(', ')}; using "${fallback}".`);
  return fallback;
}

function color(script: HTMLScriptElement): string {
  const value = script.getAttribute('data-color');
  if (value === null || value.trim() === '') return DEFAULTS.color;
  if (typeof CSS !== 'undefined' && CSS.supports('color', value.trim())) return value.trim();
  warn(`data-color="${value}" is not a CSS colour (try "#0ea5e9" or "rgb(14 165 233)"); using ${DEFAULTS.color}.`);
  return DEFAULTS.color;
}

/** The script tag that loaded the widget: itself while it runs, else the first tag that looks like it. */
export function findOwnScript(): HTMLScriptElement | undefined {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement && current.src !== '') return current;
  const candidates = Array.from(document.querySelectorAll<HTMLScriptElement>('script[src][data-deployment]'));
  return candidates.find((s) => /\/widget\.js(\?|#|$)/.test(s.src)) ?? candidates[0];
}

/** Reads the settings, or answers the reason the widget cannot start. */
export function readConfig(script: HTMLScriptElement): { ok: true; config: WidgetConfig } | { ok: false; reason: string } {
  const key = (script.getAttribute('data-deployment') ?? '').trim();
  if (key === '') {
    return { ok: false, reason: 'the script tag has no data-deployment attribute. Add the deployment\'s publishable key: <script src=".../widget.js" data-deployment="pk_..."></script> (the editor shows it on the deployment).' };
  }
  if (key.length > 100 || !/^[A-Za-z0-9_-]+$/.test(key)) {
    return { ok: false, reason: `data-deployment="${key.slice(0, 40)}" is not a publishable key (letters, digits, "_" and "-", like pk_...). Copy it again from the editor.` };
  }
  let src: URL;
  try {
    src = new URL(script.src, document.baseURI);
  } catch {
    return { ok: false, reason: `the script's src "${script.src}" is not a URL.` };
  }
  const basePath = src.pathname.replace(/[^/]*$/, '');
  return {
    ok: true,
    config: {
      publishableKey: key,
      serverOrigin: src.origin,
      socketPath: `${basePath}socket.io`,
      title: text(script, 'title', DEFAULTS.title, 60),
      greeting: text(script, 'greeting', DEFAULTS.greeting, 300),
      startMessage: text(script, 'start-message', DEFAULTS.startMessage, 500),
      theme: oneOf(script, 'theme', ['light', 'dark', 'auto'] as const, DEFAULTS.theme),
      color: color(script),
      position: oneOf(script, 'position', ['bottom-right', 'bottom-left'] as const, DEFAULTS.position),
    },
  };
}
