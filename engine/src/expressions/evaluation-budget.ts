import type jsonata from 'jsonata';
import { ExpressionBudgetError, ExpressionLimitError } from './expression-errors.js';
import {
  EVENT_LOOP_YIELD_INTERVAL_MS,
  MAX_STRING_LENGTH,
  OPEN_EVALUATIONS_PER_DEPTH,
  type EvaluationLimits,
} from './expression-limits.js';

/** The parts of a jsonata environment frame the hooks read; `base` and `isParallelCall` are jsonata internals. */
interface Frame {
  lookup(name: string | symbol): unknown;
  isParallelCall?: boolean;
  base?: Frame & { depth?: number };
}

/**
 * Name of the binding that carries the budget into an evaluation. The compiled expression is shared
 * by concurrent evaluations, so the hooks find the budget through the evaluation's own frame. The
 * space makes the name unreachable from JSONata, where a variable is `$` plus a name without spaces.
 */
export const BUDGET_BINDING = 'nexus budget';

/** The clock is read on every this-many hook calls: cheaper than on each, and no node runs long alone. */
const CLOCK_EVERY_HOOK_CALLS = 8;

const ENTRY_HOOK = Symbol.for('jsonata.__evaluate_entry');
const EXIT_HOOK = Symbol.for('jsonata.__evaluate_exit');

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Time and depth accounting for one evaluation, in the manner of jsonata's `timeboxExpression`.
 *
 * Depth counts open evaluations, except those jsonata starts side by side (the items of an array
 * constructor, the values of an object constructor: `isParallelCall`). The skipped entries are
 * remembered per AST node so that every exit undoes exactly what its entry did: jsonata leaves
 * `isParallelCall` set on the frame afterwards, and the test-suite pattern of checking the flag at
 * both ends drifts upwards by one per constructor. The same stale flag can hide recursion from the
 * depth count, so jsonata's own count of open evaluations is capped too.
 */
export class EvaluationBudget {
  readonly timeoutMs: number;
  readonly maxDepth: number;
  readonly #deadline: number;
  readonly #maxOpen: number;
  #depth = 0;
  #entries = 0;
  #exits = 0;
  #parallelOpen: Map<object, number> | undefined;
  #nextYield: number;
  #stopped: Error | undefined;
  #finished = false;

  constructor(limits: EvaluationLimits, startedAt = performance.now()) {
    this.timeoutMs = limits.timeoutMs;
    this.maxDepth = limits.maxDepth;
    this.#deadline = startedAt + limits.timeoutMs;
    this.#maxOpen = limits.maxDepth * OPEN_EVALUATIONS_PER_DEPTH;
    this.#nextYield = startedAt + EVENT_LOOP_YIELD_INTERVAL_MS;
  }

  enter(node: object, frame: Frame): Promise<void> | undefined {
    this.#throwIfStopped();
    if (frame.isParallelCall === true) {
      this.#parallelOpen ??= new Map();
      this.#parallelOpen.set(node, (this.#parallelOpen.get(node) ?? 0) + 1);
    } else {
      this.#depth += 1;
      if (this.#depth > this.maxDepth) this.#stop('expression_too_deep', this.#tooDeep());
    }
    const open = frame.base?.depth;
    if (typeof open === 'number' && open > this.#maxOpen) this.#stop('expression_too_deep', this.#tooDeep());
    this.#entries += 1;
    if (this.#entries % CLOCK_EVERY_HOOK_CALLS !== 0) return undefined;
    const now = performance.now();
    this.#checkTime(now);
    if (now < this.#nextYield) return undefined;
    this.#nextYield = now + EVENT_LOOP_YIELD_INTERVAL_MS;
    return yieldToEventLoop();
  }

  exit(node: object, result: unknown): void {
    this.#throwIfStopped();
    // `&` joins strings lazily, so doubling a string 30 times costs nothing until something reads it.
    if (typeof result === 'string' && result.length > MAX_STRING_LENGTH) {
      throw new ExpressionLimitError(`produced a string of ${result.length} characters; the limit is ${MAX_STRING_LENGTH}`);
    }
    const parallel = this.#parallelOpen?.get(node);
    if (parallel === undefined) this.#depth -= 1;
    else if (parallel === 1) this.#parallelOpen?.delete(node);
    else this.#parallelOpen?.set(node, parallel - 1);
    // Counted apart from entries: one shared count could land on exits only, and never yield.
    this.#exits += 1;
    if (this.#exits % CLOCK_EVERY_HOOK_CALLS === 0) this.#checkTime(performance.now());
  }

  /** Stops work that is still running after the evaluation settled (siblings of a failed branch). */
  finish(): void {
    // A flag, not an Error: building one (and its stack) would cost more than most evaluations.
    this.#finished = true;
  }

  #throwIfStopped(): void {
    if (this.#stopped !== undefined) throw this.#stopped;
    if (this.#finished) this.#stop('expression_timeout', 'was abandoned after its evaluation settled');
  }

  #checkTime(now: number): void {
    if (now > this.#deadline) {
      this.#stop('expression_timeout', `ran longer than ${this.timeoutMs} ms and was stopped; look for a loop or recursion that never ends`);
    }
  }

  #tooDeep(): string {
    return `nested deeper than ${this.maxDepth} levels and was stopped; look for recursion that never ends, or make it tail-recursive`;
  }

  #stop(kind: ExpressionBudgetError['kind'], message: string): never {
    const error = new ExpressionBudgetError(kind, message);
    this.#stopped = error;
    throw error;
  }
}

function budgetOf(frame: Frame): EvaluationBudget {
  // `base` is the evaluation's root frame, where the bindings live: one lookup instead of a walk.
  const budget = (frame.base ?? frame).lookup(BUDGET_BINDING);
  // Fail closed: an evaluation started without a budget would have no time limit at all.
  if (!(budget instanceof EvaluationBudget)) throw new Error('expressions must be evaluated through evaluateExpression, which bounds them');
  return budget;
}

function onEvaluateEntry(node: object, _input: unknown, frame: Frame): Promise<void> | undefined {
  return budgetOf(frame).enter(node, frame);
}

function onEvaluateExit(node: object, _input: unknown, frame: Frame, result: unknown): void {
  budgetOf(frame).exit(node, result);
}

/** Installs the budget hooks on a compiled expression; they are shared, the budget is per evaluation. */
export function installBudgetHooks(expression: jsonata.Expression): void {
  // jsonata looks the hooks up by symbol; its typings only admit string names.
  const assign = expression.assign.bind(expression) as (name: string | symbol, value: unknown) => void;
  assign(ENTRY_HOOK, onEvaluateEntry);
  assign(EXIT_HOOK, onEvaluateExit);
}
