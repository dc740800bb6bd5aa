import type { ErrorInfo } from '../errors.js';
import { IDLE_STATE } from '../compile/build-machine.js';
import type { CompiledFlow } from '../compile/compile-flow.js';
import type { Contact, SessionRecord } from './types.js';

/** A fresh session at the idle state, with the flow's initial variables. */
export function newSessionRecord(key: string, workspaceId: string, flow: CompiledFlow, contact: Contact, now: number): SessionRecord {
  return {
    v: 1,
    key,
    workspaceId,
    flowId: flow.flow.id,
    flowHash: flow.hash,
    state: IDLE_STATE,
    status: 'idle',
    context: { message: null, vars: structuredClone(flow.flow.variables ?? {}), nodes: {}, contact },
    turn: 0,
    step: 0,
    updatedAt: now,
  };
}

/** True when a stored value has the shape of a record this engine version can resume. */
export function isSessionRecord(value: unknown): value is SessionRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<SessionRecord>;
  const c = r.context;
  return (
    r.v === 1 &&
    typeof r.key === 'string' &&
    typeof r.state === 'string' &&
    typeof r.flowHash === 'string' &&
    (r.status === 'idle' || r.status === 'parked' || r.status === 'running') &&
    Number.isInteger(r.turn) &&
    Number.isInteger(r.step) &&
    typeof c === 'object' &&
    c !== null &&
    typeof c.vars === 'object' &&
    typeof c.nodes === 'object' &&
    typeof c.contact === 'object'
  );
}

/**
 * Moves a session onto a republished flow. A position the new flow no longer has goes back to
 * the idle state, so the next message starts at the trigger; the caller tells the user.
 */
export function migrateToFlow(record: SessionRecord, flow: CompiledFlow): { record: SessionRecord; notice?: string } {
  const known = record.state === IDLE_STATE || flow.nodes.has(record.state);
  if (record.flowHash === flow.hash && known) return { record };
  const moved: SessionRecord = { ...record, flowHash: flow.hash, flowId: flow.flow.id };
  // A position the flow lacks goes to the trigger even when the hashes agree (a hand-edited or
  // damaged record): failing every later turn of the session would help nobody.
  if (known) return { record: moved };
  delete moved.inFlight;
  return {
    record: { ...moved, state: IDLE_STATE, status: 'idle' },
    notice:
      record.flowHash === flow.hash
        ? `the flow has no node "${record.state}", where this session's record says it was; it starts again at the trigger`
        : `the flow was republished without node "${record.state}", where this session was; it starts again at the trigger`,
  };
}

export function unrecoverable(key: string, why: string): ErrorInfo {
  return {
    code: 'session_unrecoverable',
    message: `session ${key} cannot be resumed (${why}); reset it to start the conversation again`,
  };
}
