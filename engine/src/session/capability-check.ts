import type { CapabilityCall } from '../sandbox/types.js';

/** Host part of `http:<host>`: lower-cased `hostname[:port]` of a URL, or undefined if not http(s). */
export function httpTargetOf(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    return parsed.host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Whether a call is covered by the node's declared capabilities. `http` calls must target one of
 * the declared `http:<host>` entries exactly, or any http(s) host under `http:*`, which only the
 * built-in core/http may declare and whose provider checks the node's own host list.
 */
export function isCallDeclared(call: CapabilityCall, declared: ReadonlySet<string>): boolean {
  if (call.capability.startsWith('http')) {
    const target = httpTargetOf(call.args[0]);
    return target !== undefined && (declared.has(`http:${target}`) || declared.has('http:*'));
  }
  return declared.has(call.capability);
}
