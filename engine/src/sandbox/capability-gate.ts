import type { CallLimits } from './types.js';

/** A call the gate let through, ready to go to the host. */
export interface GatedCall {
  callId: number;
  capability: string;
  method: string;
  argsJson: string;
}

/**
 * The worker's trusted side of one step's `ctx` (RELIABILITY.md rule 4): checks that the capability is
 * declared, counts calls and bytes, and keeps at most `maxInFlight` calls at the host. Calls beyond
 * that wait here in order, still within the per-step budget, so `Promise.all` over a few dozen keys
 * works; a call past `maxCallsPerStep` fails with `capability_limit`. Closing the gate (the step ended)
 * refuses new calls and drops the queued ones, which then never reach the host (S-03).
 */
export class CapabilityGate {
  private made = 0;
  private inFlight = 0;
  private queue: GatedCall[] = [];
  private closed = false;
  /** Normalized capability -> the spelling the manifest used, which is what the host checks. */
  private readonly declared: ReadonlyMap<string, string>;

  constructor(
    private readonly limits: CallLimits,
    capabilities: readonly string[],
    private readonly send: (call: GatedCall) => void,
  ) {
    this.declared = new Map(capabilities.map((capability) => [normalizeCapability(capability), capability]));
  }

  get callsMade(): number {
    return this.made;
  }

  /** Returns a refusal (`"<code>: <message>"`) or undefined when the call was accepted. */
  request(callId: number, namespace: string, method: string, argsJson: string): string | undefined {
    const label = `ctx.${namespace}.${method}`;
    if (this.closed) return `capability_failed: ${label} was called after the step ended`;
    const capability = namespace === 'http' ? httpCapability(argsJson) : { capability: namespace };
    if ('refusal' in capability) return capability.refusal;
    // `http:*` (core/http only) admits any host here; the host's provider enforces the node's own allowlist.
    const declared =
      this.declared.get(capability.capability) ??
      (namespace === 'http' && this.declared.has('http:*') ? capability.capability : undefined);
    if (declared === undefined) {
      return `capability_not_declared: ${capability.capability} (${label} needs "${capability.capability}" in the node's "capabilities" list in plugin.json)`;
    }
    if (Buffer.byteLength(argsJson) > this.limits.maxArgBytes) {
      return `capability_limit: the arguments of ${label} are larger than ${this.limits.maxArgBytes} bytes (maxArgBytes)`;
    }
    if (this.made >= this.limits.maxCallsPerStep) {
      return `capability_limit: the step already made ${this.limits.maxCallsPerStep} capability calls, the most one step may make (maxCallsPerStep)`;
    }
    this.made += 1;
    const call: GatedCall = { callId, capability: declared, method, argsJson };
    if (this.inFlight < this.limits.maxInFlight) {
      this.inFlight += 1;
      this.send(call);
    } else {
      this.queue.push(call);
    }
    return undefined;
  }

  /** A call came back from the host; the next queued call may go. */
  settled(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    const next = this.closed ? undefined : this.queue.shift();
    if (next !== undefined) {
      this.inFlight += 1;
      this.send(next);
    }
  }

  close(): void {
    this.closed = true;
    this.queue = [];
  }
}

/** `http:API.Example.com` and `http:api.example.com:443` name the same host as the URL parser does. */
function normalizeCapability(capability: string): string {
  if (!capability.startsWith('http:')) return capability;
  try {
    return `http:${new URL(`http://${capability.slice('http:'.length)}`).host}`;
  } catch {
    return capability;
  }
}

/** `ctx.http.fetch(url)` runs under `http:<host of url>`; the host's provider enforces it again. */
function httpCapability(argsJson: string): { capability: string } | { refusal: string } {
  let url: URL | undefined;
  try {
    const args: unknown = JSON.parse(argsJson);
    const first = Array.isArray(args) ? (args[0] as unknown) : undefined;
    if (typeof first === 'string') url = new URL(first);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return { refusal: 'capability_failed: ctx.http.fetch needs an absolute http:// or https:// URL as its first argument' };
  }
  return { capability: `http:${url.host}` };
}
