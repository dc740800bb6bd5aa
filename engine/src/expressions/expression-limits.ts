/** Wall-clock time one evaluation (or one template render) may take, in milliseconds. */
export const DEFAULT_EXPRESSION_TIMEOUT_MS = 250;
/** How deeply evaluations may nest; a recursive function uses about three levels per call. */
export const DEFAULT_EXPRESSION_MAX_DEPTH = 500;
/**
 * All evaluations open at once, side by side ones included, may reach this multiple of the depth
 * limit. It catches recursion that the depth count cannot see (see EvaluationBudget).
 */
export const OPEN_EVALUATIONS_PER_DEPTH = 20;
/** A long evaluation hands the event loop back this often, so timers and I/O keep running. */
export const EVENT_LOOP_YIELD_INTERVAL_MS = 10;

/** Widest string `$pad` may produce. */
export const MAX_PAD_LENGTH = 100_000;
/** Most items a quadratic built-in (`$sort` with a function, `$distinct` of objects, `$spread`) accepts. */
export const MAX_QUADRATIC_ITEMS = 2_000;
/** Longest sequence jsonata may build (its `sequence` option: ranges, path results). */
export const MAX_SEQUENCE_LENGTH = 100_000;
/** Longest string any step of an evaluation may produce, in UTF-16 code units. */
export const MAX_STRING_LENGTH = 1_000_000;
/** Longest picture string of `$formatNumber`, `$formatInteger`, `$parseInteger`, `$fromMillis`, `$toMillis`. */
export const MAX_PICTURE_LENGTH = 256;
/** Largest width modifier in a date picture, as in `[Y,2-4]`. */
export const MAX_PICTURE_WIDTH = 64;

/** How many compiled expressions stay cached, keyed by their source text. */
export const EXPRESSION_CACHE_SIZE = 5_000;
/** How much of an expression an error message quotes. */
export const QUOTED_EXPRESSION_MAX_LENGTH = 120;

/** Bounds of one evaluation. Every call may override either. */
export interface EvaluationLimits {
  /** Wall-clock budget in milliseconds (default {@link DEFAULT_EXPRESSION_TIMEOUT_MS}). */
  timeoutMs: number;
  /** Nesting budget (default {@link DEFAULT_EXPRESSION_MAX_DEPTH}). */
  maxDepth: number;
}

/** Fills in the defaults and checks that the limits make sense. */
export function resolveLimits(limits: Partial<EvaluationLimits> | undefined): EvaluationLimits {
  const timeoutMs = limits?.timeoutMs ?? DEFAULT_EXPRESSION_TIMEOUT_MS;
  const maxDepth = limits?.maxDepth ?? DEFAULT_EXPRESSION_MAX_DEPTH;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new RangeError(`maxDepth must be a positive integer, got ${maxDepth}`);
  return { timeoutMs, maxDepth };
}
