import { median, percentile } from '@nexusflow/engine/testing';
import type { CDPSession } from 'playwright-core';

/** One frame at 60 fps. */
export const FRAME_BUDGET_MS = 1000 / 60;
/**
 * rAF deltas jitter by a fraction of a millisecond around the display period; a frame counts as
 * over budget when it is clearly longer than one period, not when it is 16.8 ms.
 */
const JITTER_MS = 1;

/** Main-thread time of the renderer, in ms (Chromium's Performance.getMetrics). */
export interface MainThreadTime {
  /** Every task: script, style, layout, paint recording, GC... */
  task: number;
  script: number;
  /** Style recalculation and layout. */
  layout: number;
}

/** What one recording saw: the rAF deltas, its wall time and the main thread's work in it. */
export interface FrameRecording {
  deltas: number[];
  wallMs: number;
  mainThread: MainThreadTime;
}

export interface FrameFigures {
  frames: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
  /** Share of frames longer than one 60 fps frame (16.7 ms, plus jitter). */
  over_16_7ms: number;
  fps: number;
  /**
   * Share of the wall time the renderer's main thread was busy; long frames with a low share wait
   * on the compositor and raster (software here: --disable-gpu), not on the page's code.
   */
  main_busy: number;
  script_share: number;
  layout_share: number;
}

/** Figures of a recording. */
export function frameFigures({ deltas, wallMs, mainThread }: FrameRecording): FrameFigures {
  if (deltas.length === 0) throw new Error('no animation frames were recorded');
  const total = deltas.reduce((sum, d) => sum + d, 0);
  return {
    frames: deltas.length,
    p50_ms: median(deltas),
    p95_ms: percentile(deltas, 95),
    max_ms: Math.max(...deltas),
    over_16_7ms: deltas.filter((d) => d > FRAME_BUDGET_MS + JITTER_MS).length / deltas.length,
    fps: (deltas.length * 1000) / total,
    main_busy: mainThread.task / wallMs,
    script_share: mainThread.script / wallMs,
    layout_share: mainThread.layout / wallMs,
  };
}

/** Reads the renderer's cumulative main-thread time through the DevTools protocol. */
export async function mainThreadTime(cdp: CDPSession): Promise<MainThreadTime> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const seconds = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
  return { task: seconds('TaskDuration') * 1000, script: seconds('ScriptDuration') * 1000, layout: (seconds('RecalcStyleDuration') + seconds('LayoutDuration')) * 1000 };
}

/** The main-thread time between two readings. */
export function mainThreadSince(before: MainThreadTime, after: MainThreadTime): MainThreadTime {
  return { task: after.task - before.task, script: after.script - before.script, layout: after.layout - before.layout };
}
