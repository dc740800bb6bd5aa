/**
 * Test-only crash points (RELIABILITY §8 "Kill hooks"): when `NEXUSFLOW_KILL_AT` names a point and
 * the server runs with NODE_ENV=test, reaching it ends the process as abruptly as `kill -9`.
 * Points: `after-hold` (credits held, model not called), `after-send` (a reply stored, step not
 * persisted), `mid-stream` (after the third streamed token).
 */
export type KillPoint = 'after-hold' | 'after-send' | 'mid-stream';

export interface KillSwitch {
  reach(point: KillPoint): void;
}

export function createKillSwitch(points: readonly string[]): KillSwitch {
  const armed = new Set(points);
  return {
    reach(point) {
      if (armed.has(point)) process.kill(process.pid, 'SIGKILL');
    },
  };
}
