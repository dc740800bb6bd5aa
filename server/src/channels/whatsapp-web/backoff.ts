import type { BackoffSettings } from './types.js';

/**
 * The wait before reconnect attempt `attempt` (1, 2, 3 ...): doubling from `initialMs`, never above
 * `maxMs`, with "equal jitter" (between half and all of it) so several numbers that dropped at
 * once do not all come back in the same instant.
 */
export function backoffDelay(attempt: number, settings: BackoffSettings, random: () => number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(settings.maxMs, settings.initialMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(Math.max(random(), 0), 1));
}
