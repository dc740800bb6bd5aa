import { MARSHAL_SOURCE } from './bootstrap-marshal-source.js';
import { REALM_SOURCE } from './bootstrap-realm-source.js';
import { RUNS_SOURCE } from './bootstrap-runs-source.js';

/**
 * JavaScript that runs once in every plugin isolate, before any plugin code, through
 * `context.evalClosureSync(BOOTSTRAP_SOURCE, [hostCall, complete, bundle, configJson])`.
 *
 * It captures the intrinsics it needs, compiles the bundle into a CommonJS factory, removes shared
 * memory, timers-by-another-name and legacy RegExp statics, tames the override mistake, then deep-freezes
 * every intrinsic and the global object. Each run calls the factory again (a fresh module scope) and
 * gets a fresh frozen `ctx`, so nothing one run writes is visible to the next (S-17).
 *
 * It returns `{ start, deliver, listTypes }`, which only the worker holds (as References). `hostCall`
 * and `complete` live in this closure and nowhere else: plugin code can reach neither
 * (RELIABILITY.md §1.3; the Screeps and Fly anti-patterns put such handles on the global).
 *
 * Only strings and numbers cross in either direction.
 *   hostCall(runId, callId, namespace, method, argsJson) -> undefined (accepted) or "<code>: <message>"
 *   complete(runId, kind, payload)   kind: ok | thrown | invalid_output | output_not_serializable |
 *                                          output_too_large | unknown_node_type | plugin_error
 *
 * Kept as strings (not a function's `toString()`) so no TypeScript or bundler transform can inject
 * helpers into them. The parts share one closure scope, so they are joined in this order.
 */

export const BOOTSTRAP_SOURCE = ["'use strict';", REALM_SOURCE, MARSHAL_SOURCE, RUNS_SOURCE].join('\n');
