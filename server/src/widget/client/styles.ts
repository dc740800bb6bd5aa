/**
 * The widget's styles. They live inside its shadow root, so the host page's selectors never reach
 * its elements; `:host` rules are `!important` because, for important declarations, the shadow
 * tree wins over the page (a page rule like `* { all: unset !important }` cannot hide or restyle
 * the widget), and `all: initial` stops the page's inherited fonts and colours at the boundary.
 * Sizes are in px, never rem: the page's root font size is not ours.
 */
export const WIDGET_CSS = `
:host {
  all: initial !important;
  display: block !important;
  position: fixed !important;
  z-index: 2147483000 !important;
  bottom: 20px !important;
  right: 20px !important;
  left: auto !important;
  top: auto !important;
  width: 60px !important;
  height: 60px !important;
  margin: 0 !important;
  padding: 0 !important;
  border: 0 !important;
  transform: none !important;
  filter: none !important;
  opacity: 1 !important;
  visibility: visible !important;
  pointer-events: none !important;
  color-scheme: light !important;
  font: 400 14px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif !important;
  color: #111827 !important;
  text-align: left !important;
  direction: ltr !important;
  letter-spacing: normal !important;
  -webkit-font-smoothing: antialiased;
}
:host([data-position="bottom-left"]) { left: 20px !important; right: auto !important; }

*, *::before, *::after { box-sizing: border-box; margin: 0; padding: 0; border: 0; font: inherit; color: inherit; letter-spacing: inherit; }
[hidden] { display: none !important; }
button { background: none; cursor: pointer; text-align: inherit; -webkit-appearance: none; appearance: none; }
button:disabled { cursor: default; }
svg { display: block; flex: none; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }
a { color: inherit; }

.nf-root {
  --nf-bg: #ffffff;
  --nf-surface: #f3f4f6;
  --nf-surface-2: #e9ebef;
  --nf-text: #111827;
  --nf-muted: #6b7280;
  --nf-border: #e5e7eb;
  --nf-shadow: 0 12px 40px rgba(17, 24, 39, 0.18), 0 2px 8px rgba(17, 24, 39, 0.08);
  --nf-warn-bg: #fff7ed; --nf-warn-text: #9a3412; --nf-warn-border: #fed7aa;
  --nf-error-bg: #fef2f2; --nf-error-text: #b91c1c; --nf-error-border: #fecaca;
  --nf-focus: 0 0 0 3px color-mix(in srgb, var(--nf-accent) 45%, transparent);
  color: var(--nf-text);
  pointer-events: none;
}
.nf-root.nf-dark {
  --nf-bg: #15171c;
  --nf-surface: #23262e;
  --nf-surface-2: #2c3039;
  --nf-text: #eef0f4;
  --nf-muted: #9aa1ad;
  --nf-border: #2e323b;
  --nf-shadow: 0 12px 40px rgba(0, 0, 0, 0.55), 0 2px 8px rgba(0, 0, 0, 0.35);
  --nf-warn-bg: #2d1f0f; --nf-warn-text: #fdba74; --nf-warn-border: #5c3a14;
  --nf-error-bg: #2b1416; --nf-error-text: #fca5a5; --nf-error-border: #5b1f23;
  color-scheme: dark;
}

/* The round button in the corner. */
.nf-launcher {
  position: absolute; right: 0; bottom: 0;
  width: 60px; height: 60px; border-radius: 50%;
  display: flex; align-items: center; justify-content: center;
  background: var(--nf-accent); color: var(--nf-on-accent);
  box-shadow: 0 6px 20px rgba(17, 24, 39, 0.25);
  pointer-events: auto;
  transition: transform 160ms ease, box-shadow 160ms ease;
}
:host([data-position="bottom-left"]) .nf-launcher { right: auto; left: 0; }
.nf-launcher:hover { transform: scale(1.06); box-shadow: 0 8px 26px rgba(17, 24, 39, 0.3); }
.nf-launcher:focus-visible { outline: none; box-shadow: var(--nf-focus), 0 6px 20px rgba(17, 24, 39, 0.25); }
.nf-launcher svg { width: 28px; height: 28px; transition: transform 200ms ease, opacity 200ms ease; }
.nf-launcher .nf-icon-close { position: absolute; opacity: 0; transform: rotate(-90deg); }
.nf-open .nf-launcher .nf-icon-chat { opacity: 0; transform: rotate(90deg); }
.nf-open .nf-launcher .nf-icon-close { opacity: 1; transform: rotate(0); }
.nf-badge {
  position: absolute; top: -2px; right: -2px; min-width: 20px; height: 20px; padding: 0 6px;
  border-radius: 10px; background: #ef4444; color: #fff; font-size: 11px; font-weight: 700; line-height: 20px; text-align: center;
  box-shadow: 0 0 0 2px #fff;
}

/* The chat window. */
.nf-panel {
  position: absolute; right: 0; bottom: 76px;
  width: 380px; height: 620px; max-height: calc(100vh - 120px); min-height: 360px;
  display: flex; flex-direction: column; overflow: hidden;
  background: var(--nf-bg); border: 1px solid var(--nf-border); border-radius: 18px;
  box-shadow: var(--nf-shadow);
  pointer-events: auto;
  transform-origin: bottom right;
  animation: nf-pop 180ms ease-out;
}
:host([data-position="bottom-left"]) .nf-panel { right: auto; left: 0; transform-origin: bottom left; }
@keyframes nf-pop { from { opacity: 0; transform: translateY(12px) scale(0.97); } to { opacity: 1; transform: none; } }

.nf-header {
  flex: none; display: flex; align-items: center; gap: 12px; padding: 16px 14px 16px 18px;
  background: var(--nf-accent);
  background: linear-gradient(135deg, var(--nf-accent), color-mix(in srgb, var(--nf-accent) 72%, #000));
  color: var(--nf-on-accent);
}
.nf-avatar {
  flex: none; width: 38px; height: 38px; border-radius: 50%;
  display: flex; align-items: center; justify-content: center;
  background: rgba(255, 255, 255, 0.18);
  background: color-mix(in srgb, var(--nf-on-accent) 18%, transparent);
}
.nf-avatar svg { width: 20px; height: 20px; }
.nf-heading { flex: 1; min-width: 0; }
.nf-title { font-size: 16px; font-weight: 650; line-height: 1.25; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.nf-status { display: flex; align-items: center; gap: 6px; font-size: 12px; opacity: 0.88; margin-top: 2px; }
.nf-dot { width: 8px; height: 8px; border-radius: 50%; background: #34d399; box-shadow: 0 0 0 2px color-mix(in srgb, var(--nf-on-accent) 25%, transparent); }
.nf-status[data-state="connecting"] .nf-dot, .nf-status[data-state="reconnecting"] .nf-dot { background: #fbbf24; animation: nf-pulse 1.2s ease-in-out infinite; }
.nf-status[data-state="unavailable"] .nf-dot { background: #f87171; }
@keyframes nf-pulse { 50% { opacity: 0.35; } }
.nf-icon-button {
  flex: none; width: 34px; height: 34px; border-radius: 10px;
  display: flex; align-items: center; justify-content: center; color: inherit;
}
.nf-icon-button:hover { background: color-mix(in srgb, currentColor 14%, transparent); }
.nf-icon-button:focus-visible { outline: 2px solid currentColor; outline-offset: -2px; }
.nf-icon-button svg { width: 20px; height: 20px; }

.nf-banner {
  flex: none; display: flex; align-items: flex-start; gap: 8px; padding: 9px 14px; font-size: 13px; line-height: 1.4;
  border-bottom: 1px solid var(--nf-warn-border); background: var(--nf-warn-bg); color: var(--nf-warn-text);
}
.nf-banner svg { width: 16px; height: 16px; margin-top: 1px; }
.nf-banner.nf-error { border-bottom-color: var(--nf-error-border); background: var(--nf-error-bg); color: var(--nf-error-text); }
.nf-banner-text { flex: 1; }
.nf-banner .nf-icon-button { width: 22px; height: 22px; border-radius: 6px; margin: -2px -4px 0 0; }
.nf-banner .nf-icon-button svg { width: 14px; height: 14px; margin: 0; }
.nf-spin { animation: nf-spin 1s linear infinite; }
@keyframes nf-spin { to { transform: rotate(360deg); } }

/* Welcome screen. */
.nf-welcome { flex: 1; display: flex; flex-direction: column; justify-content: center; gap: 22px; padding: 28px 24px 20px; overflow-y: auto;
  background: radial-gradient(120% 60% at 50% 0%, color-mix(in srgb, var(--nf-accent) 12%, transparent), transparent 70%); }
.nf-welcome-card { display: flex; flex-direction: column; align-items: center; text-align: center; }
.nf-welcome-icon {
  width: 64px; height: 64px; border-radius: 20px; margin-bottom: 18px;
  display: flex; align-items: center; justify-content: center;
  background: var(--nf-accent); color: var(--nf-on-accent);
  box-shadow: 0 10px 24px color-mix(in srgb, var(--nf-accent) 35%, transparent);
}
.nf-welcome-icon svg { width: 32px; height: 32px; }
.nf-welcome-title { font-size: 21px; font-weight: 700; line-height: 1.25; margin-bottom: 8px; }
.nf-welcome-text { color: var(--nf-muted); font-size: 14px; line-height: 1.5; max-width: 290px; white-space: pre-wrap; }
.nf-start {
  display: flex; align-items: center; justify-content: center; gap: 8px; width: 100%; height: 46px; border-radius: 12px;
  background: var(--nf-accent); color: var(--nf-on-accent); font-size: 15px; font-weight: 600;
  box-shadow: 0 4px 14px color-mix(in srgb, var(--nf-accent) 35%, transparent);
  transition: filter 120ms ease, transform 120ms ease;
}
.nf-start:hover { filter: brightness(1.07); }
.nf-start:active { transform: translateY(1px); }
.nf-start:focus-visible { outline: none; box-shadow: var(--nf-focus); }
.nf-start svg { width: 18px; height: 18px; }

/* Conversation. */
.nf-chat { flex: 1; min-height: 0; display: flex; flex-direction: column; position: relative; }
.nf-log { flex: 1; min-height: 0; overflow-y: auto; overscroll-behavior: contain; padding: 16px 14px 8px; display: flex; flex-direction: column; gap: 6px; scroll-behavior: auto; }
.nf-log:focus-visible { outline: none; box-shadow: inset var(--nf-focus); }
.nf-row { display: flex; flex-direction: column; align-items: flex-start; max-width: 100%; }
.nf-row.nf-from-user { align-items: flex-end; }
.nf-row.nf-from-system { align-items: center; }
.nf-row + .nf-row.nf-turn { margin-top: 8px; }
.nf-who { font-size: 11px; font-weight: 600; color: var(--nf-muted); margin: 0 0 3px 4px; }
.nf-bubble {
  max-width: 82%; padding: 9px 13px; border-radius: 16px; font-size: 14px; line-height: 1.45;
  white-space: pre-wrap; overflow-wrap: anywhere; word-break: normal;
  background: var(--nf-surface); color: var(--nf-text); border-bottom-left-radius: 5px;
}
.nf-from-user .nf-bubble { background: var(--nf-accent); color: var(--nf-on-accent); border-bottom-left-radius: 16px; border-bottom-right-radius: 5px; }
.nf-from-operator .nf-bubble { background: color-mix(in srgb, var(--nf-accent) 12%, var(--nf-surface)); }
.nf-from-system .nf-bubble { max-width: 92%; background: transparent; color: var(--nf-muted); font-size: 12px; text-align: center; padding: 4px 8px; }
.nf-bubble a { text-decoration: underline; text-underline-offset: 2px; }
.nf-streaming .nf-bubble::after { content: ""; display: inline-block; width: 7px; height: 14px; margin-left: 2px; vertical-align: -2px; background: currentColor; opacity: 0.55; animation: nf-blink 1s steps(2) infinite; }
@keyframes nf-blink { 50% { opacity: 0; } }
.nf-media { display: block; max-width: 82%; margin-top: 4px; border-radius: 14px; overflow: hidden; border: 1px solid var(--nf-border); background: var(--nf-surface); }
.nf-media img { display: block; max-width: 100%; max-height: 240px; width: auto; height: auto; object-fit: cover; }
.nf-attachment { display: inline-flex; align-items: center; gap: 6px; padding: 8px 12px; font-size: 13px; text-decoration: none; }
.nf-attachment svg { width: 16px; height: 16px; }
.nf-media audio, .nf-media video { display: block; max-width: 100%; }
.nf-meta { display: flex; align-items: center; gap: 4px; font-size: 11px; color: var(--nf-muted); margin: 3px 4px 0; }
.nf-meta svg { width: 12px; height: 12px; }
.nf-failed .nf-meta { color: var(--nf-error-text); }
.nf-retry { font-weight: 600; text-decoration: underline; color: inherit; border-radius: 4px; }
.nf-retry:focus-visible { outline: 2px solid var(--nf-accent); }

.nf-typing { display: inline-flex; align-items: center; gap: 4px; padding: 12px 14px; border-radius: 16px; border-bottom-left-radius: 5px; background: var(--nf-surface); margin-top: 4px; align-self: flex-start; }
.nf-typing span { width: 7px; height: 7px; border-radius: 50%; background: var(--nf-muted); animation: nf-bounce 1.2s ease-in-out infinite; }
.nf-typing span:nth-child(2) { animation-delay: 0.15s; }
.nf-typing span:nth-child(3) { animation-delay: 0.3s; }
@keyframes nf-bounce { 0%, 60%, 100% { transform: translateY(0); opacity: 0.5; } 30% { transform: translateY(-4px); opacity: 1; } }

.nf-quick { flex: none; display: flex; flex-wrap: wrap; gap: 6px; padding: 6px 0 4px; }
.nf-quick button {
  padding: 7px 13px; border-radius: 999px; font-size: 13px; font-weight: 550; line-height: 1.2;
  border: 1.5px solid var(--nf-accent); color: color-mix(in srgb, var(--nf-accent) 80%, var(--nf-text)); background: var(--nf-bg);
  transition: background 120ms ease, color 120ms ease;
}
.nf-quick button:hover { background: var(--nf-accent); color: var(--nf-on-accent); }
.nf-quick button:focus-visible { outline: none; box-shadow: var(--nf-focus); }

.nf-jump {
  position: absolute; left: 50%; bottom: 10px; transform: translateX(-50%);
  display: inline-flex; align-items: center; gap: 6px; padding: 6px 12px; border-radius: 999px;
  background: var(--nf-text); color: var(--nf-bg); font-size: 12px; font-weight: 600; box-shadow: 0 4px 14px rgba(0, 0, 0, 0.2);
}
.nf-jump svg { width: 14px; height: 14px; }
.nf-jump:focus-visible { outline: 2px solid var(--nf-accent); outline-offset: 2px; }

.nf-composer { flex: none; display: flex; align-items: flex-end; gap: 8px; margin: 0 12px; padding: 10px 0 8px; border-top: 1px solid var(--nf-border); }
.nf-input {
  flex: 1; min-height: 42px; max-height: 128px; resize: none; overflow-y: auto;
  padding: 10px 14px; border-radius: 21px; border: 1.5px solid var(--nf-border); background: var(--nf-surface);
  color: var(--nf-text); font-size: 14px; line-height: 20px; outline: none; white-space: pre-wrap;
  transition: border-color 120ms ease, background 120ms ease;
}
.nf-input::placeholder { color: var(--nf-muted); opacity: 1; }
.nf-input:focus { border-color: var(--nf-accent); background: var(--nf-bg); }
.nf-send {
  flex: none; width: 42px; height: 42px; border-radius: 50%;
  display: flex; align-items: center; justify-content: center;
  background: var(--nf-accent); color: var(--nf-on-accent);
  transition: opacity 120ms ease, transform 120ms ease;
}
.nf-send:disabled { opacity: 0.4; }
.nf-send:not(:disabled):active { transform: scale(0.94); }
.nf-send:focus-visible { outline: none; box-shadow: var(--nf-focus); }
.nf-send svg { width: 19px; height: 19px; }
.nf-footer { flex: none; padding: 0 12px 8px; text-align: center; font-size: 11px; color: var(--nf-muted); }
.nf-footer strong { font-weight: 600; }

@media (max-width: 480px) {
  .nf-panel { position: fixed; inset: 0; width: auto; height: auto; max-height: none; min-height: 0; border-radius: 0; border: 0; }
  .nf-open .nf-launcher { display: none; }
}
@media (prefers-reduced-motion: reduce) {
  .nf-panel, .nf-typing span, .nf-dot, .nf-spin, .nf-streaming .nf-bubble::after { animation: none !important; }
  .nf-launcher, .nf-launcher svg { transition: none !important; }
}
`;
