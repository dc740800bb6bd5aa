import type { OutboundMessage } from '@nexusflow/engine';
import { appendPointer } from '@nexusflow/schemas';
import type { Difference, ReplyMatcher, TurnActual, TurnExpectation } from './types.js';

const MAX_SHOWN = 200;

/** A value as it reads in a message: JSON, shortened. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

type NewDifference = Omit<Difference, 'conversation' | 'turn'>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Where `actual` departs from `expected` in a subset match: objects need the expected keys only
 * (recursively), arrays need the same length with every item matching; `undefined` when it matches.
 */
export function subsetMismatch(expected: unknown, actual: unknown, path: string): string | undefined {
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return path;
    for (const [key, value] of Object.entries(expected)) {
      if (!Object.hasOwn(actual, key)) return `${path}.${key}`;
      const inner = subsetMismatch(value, actual[key], `${path}.${key}`);
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return path;
    for (let i = 0; i < expected.length; i++) {
      const inner = subsetMismatch(expected[i], actual[i], `${path}[${i}]`);
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  return Object.is(expected, actual) || (expected === 0 && actual === 0) ? undefined : path;
}

/** What an expected reply looks like in a message. */
function describeMatcher(matcher: ReplyMatcher): string {
  if (typeof matcher === 'string') return show(matcher);
  if (matcher.contains !== undefined) return `a reply containing ${show(matcher.contains)}`;
  if (matcher.matches !== undefined) return `a reply matching /${matcher.matches}/${matcher.flags ?? ''}`;
  if (matcher.text !== undefined) return show(matcher.text);
  return show(matcher);
}

/** Why a reply does not match, or undefined when it does. */
function replyMismatch(matcher: ReplyMatcher, reply: OutboundMessage): string | undefined {
  const text = reply.text;
  if (typeof matcher === 'string') return text === matcher ? undefined : `expected ${show(matcher)}, got ${show(text)}`;
  if (matcher.text !== undefined && text !== matcher.text) return `expected ${show(matcher.text)}, got ${show(text)}`;
  if (matcher.contains !== undefined && !(text ?? '').includes(matcher.contains)) {
    return `expected a reply containing ${show(matcher.contains)}, got ${show(text)}`;
  }
  if (matcher.matches !== undefined && !new RegExp(matcher.matches, `${matcher.flags ?? ''}u`).test(text ?? '')) {
    return `expected a reply matching /${matcher.matches}/${matcher.flags ?? ''}, got ${show(text)}`;
  }
  if (matcher.buttons !== undefined) {
    const actual = reply.buttons ?? [];
    const wanted = matcher.buttons.map((b) => (typeof b === 'string' ? { title: b } : b));
    const same =
      actual.length === wanted.length &&
      wanted.every((b, i) => actual[i]?.title === b.title && (b.payload === undefined || actual[i]?.payload === b.payload));
    if (!same) return `expected buttons ${show(matcher.buttons)}, got ${show(actual.map((b) => (b.payload === undefined ? b.title : b)))}`;
  }
  if (matcher.media !== undefined) {
    const media = reply.media;
    if (media?.url !== matcher.media.url || (matcher.media.type !== undefined && media.type !== matcher.media.type)) {
      return `expected media ${show(matcher.media)}, got ${show(media)}`;
    }
  }
  return undefined;
}

/** A reply as a short value for `actual`: the text alone when it has nothing else. */
export function replyValue(reply: OutboundMessage): unknown {
  return reply.buttons === undefined && reply.media === undefined ? (reply.text ?? '') : reply;
}

function compareReplies(expected: ReplyMatcher[], actual: OutboundMessage[], base: string): NewDifference[] {
  const differences: NewDifference[] = [];
  const count = Math.max(expected.length, actual.length);
  for (let i = 0; i < count; i++) {
    const matcher = expected[i];
    const reply = actual[i];
    if (matcher !== undefined && reply === undefined) {
      differences.push({
        what: 'reply',
        pointer: `${base}/${i}`,
        expected: matcher,
        message: `reply ${i + 1} is missing: expected ${describeMatcher(matcher)}, the flow sent ${actual.length} repl${actual.length === 1 ? 'y' : 'ies'}`,
      });
    } else if (matcher === undefined && reply !== undefined) {
      differences.push({
        what: 'reply',
        pointer: base,
        actual: replyValue(reply),
        message: `extra reply ${i + 1}: expected ${expected.length} repl${expected.length === 1 ? 'y' : 'ies'}, the flow also sent ${show(replyValue(reply))}`,
      });
    } else if (matcher !== undefined && reply !== undefined) {
      const why = replyMismatch(matcher, reply);
      if (why !== undefined) differences.push({ what: 'reply', pointer: `${base}/${i}`, expected: matcher, actual: replyValue(reply), message: `reply ${i + 1}: ${why}` });
    }
  }
  return differences;
}

function comparePorts(expected: Record<string, string | string[] | null>, actual: Record<string, string[]>, base: string): NewDifference[] {
  const differences: NewDifference[] = [];
  for (const [nodeId, want] of Object.entries(expected)) {
    const pointer = appendPointer(base, nodeId);
    const taken = actual[nodeId] ?? [];
    const got = taken.length === 0 ? null : taken.length === 1 ? taken[0] : taken;
    if (want === null) {
      if (taken.length > 0) differences.push({ what: 'port', pointer, expected: null, actual: got, message: `node "${nodeId}" should not run in this turn, but it took ${show(got)}` });
      continue;
    }
    if (Array.isArray(want)) {
      const same = want.length === taken.length && want.every((p, i) => p === taken[i]);
      if (!same) {
        differences.push({ what: 'port', pointer, expected: want, actual: got, message: `node "${nodeId}": expected ports ${show(want)}, got ${taken.length === 0 ? 'none (it did not run)' : show(taken)}` });
      }
      continue;
    }
    const last = taken.at(-1);
    if (last !== want) {
      const message =
        last === undefined
          ? `node "${nodeId}": expected port "${want}", but it did not run in this turn`
          : `node "${nodeId}": expected port "${want}", got "${last}"`;
      differences.push({ what: 'port', pointer, expected: want, actual: last ?? null, message });
    }
  }
  return differences;
}

function compareVars(expected: Record<string, unknown>, actual: Record<string, unknown>, base: string): NewDifference[] {
  const differences: NewDifference[] = [];
  for (const [name, want] of Object.entries(expected)) {
    const pointer = appendPointer(base, name);
    if (!Object.hasOwn(actual, name)) {
      differences.push({ what: 'var', pointer, expected: want, message: `vars.${name}: expected ${show(want)}, but it is not set` });
      continue;
    }
    const got = actual[name];
    const at = subsetMismatch(want, got, `vars.${name}`);
    if (at !== undefined) {
      const where = at === `vars.${name}` ? '' : ` (first difference at ${at})`;
      differences.push({ what: 'var', pointer, expected: want, actual: got, message: `vars.${name}: expected ${show(want)}, got ${show(got)}${where}` });
    }
  }
  return differences;
}

function describeFailure(actual: TurnActual): string {
  return actual.error === undefined ? `"${actual.status}"` : `"${actual.status}" (${actual.error.code}: ${actual.error.message})`;
}

function compareStatus(expect: TurnExpectation, actual: TurnActual, base: string): NewDifference[] {
  const differences: NewDifference[] = [];
  const wanted = expect.status ?? (expect.error !== undefined ? 'failed' : undefined);
  if (wanted !== undefined && actual.status !== wanted) {
    differences.push({
      what: 'status',
      pointer: `${base}/${expect.status !== undefined ? 'status' : 'error'}`,
      expected: wanted,
      actual: actual.status,
      message: `expected status "${wanted}", got ${describeFailure(actual)}`,
    });
  } else if (wanted === undefined && actual.status === 'failed') {
    differences.push({
      what: 'status',
      pointer: base,
      expected: 'parked or ended',
      actual: actual.status,
      message: `the turn failed: ${actual.error?.code ?? 'unknown'}: ${actual.error?.message ?? ''} (add "status": "failed" or "error" to expect it)`,
    });
  }
  if (expect.error !== undefined && actual.status === 'failed' && actual.error?.code !== expect.error) {
    differences.push({
      what: 'error',
      pointer: `${base}/error`,
      expected: expect.error,
      actual: actual.error?.code,
      message: `expected error "${expect.error}", got ${actual.error === undefined ? 'no error' : `"${actual.error.code}" (${actual.error.message})`}`,
    });
  }
  if (expect.parkedAt !== undefined && actual.status === 'parked' && actual.parkedAt !== expect.parkedAt) {
    differences.push({
      what: 'status',
      pointer: `${base}/parkedAt`,
      expected: expect.parkedAt,
      actual: actual.parkedAt,
      message: `expected the session to wait at "${expect.parkedAt}", it waits at "${actual.parkedAt ?? '?'}"`,
    });
  } else if (expect.parkedAt !== undefined && expect.status === undefined && actual.status !== 'parked') {
    differences.push({
      what: 'status',
      pointer: `${base}/parkedAt`,
      expected: `parked at ${expect.parkedAt}`,
      actual: actual.status,
      message: `expected the session to wait at "${expect.parkedAt}", got status ${describeFailure(actual)}`,
    });
  }
  return differences;
}

/**
 * Every difference between a turn's expectation and what the flow did, in the order replies,
 * ports, vars, status. `base` is the pointer of the turn's `expect`.
 */
export function compareTurn(expect: TurnExpectation, actual: TurnActual, base: string): NewDifference[] {
  return [
    ...(expect.replies === undefined ? [] : compareReplies(expect.replies, actual.replies, `${base}/replies`)),
    ...(expect.ports === undefined ? [] : comparePorts(expect.ports, actual.ports, `${base}/ports`)),
    ...(expect.vars === undefined ? [] : compareVars(expect.vars, actual.vars, `${base}/vars`)),
    ...compareStatus(expect, actual, base),
  ];
}
