import type { PluginIsolate } from './plugin-isolate.js';

export interface IsolateCacheOptions {
  /** Warm isolates kept; the least recently used one is retired beyond this. */
  maxIsolates: number;
  /** Runs after which an isolate is rebuilt (long-lived isolates leak: isolated-vm #42, #207). */
  recycleAfterRuns: number;
  /** Heap share (used + external over the limit) after which an isolate is rebuilt. */
  recycleAtHeapShare: number;
}

/** How often (in runs) an isolate's heap is measured; reading heap statistics is not free. */
const HEAP_CHECK_EVERY_RUNS = 64;

/**
 * Warm isolates of one worker, keyed by (workspace, plugin, code hash, memory limit), in LRU order.
 * A retired isolate takes no new runs and is disposed once its runs in flight have ended.
 */
export class IsolateCache {
  private readonly entries = new Map<string, PluginIsolate>();
  private readonly retiring = new Set<PluginIsolate>();
  private evicted: string[] = [];

  constructor(private readonly options: IsolateCacheOptions) {}

  get size(): number {
    return this.entries.size;
  }

  /** A usable isolate for the key, moved to the most recently used end. */
  get(key: string): PluginIsolate | undefined {
    const isolate = this.entries.get(key);
    if (isolate === undefined) return undefined;
    if (isolate.disposed || isolate.retired) {
      this.retire(isolate);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, isolate);
    return isolate;
  }

  add(isolate: PluginIsolate): void {
    const previous = this.entries.get(isolate.key);
    if (previous !== undefined) this.retire(previous);
    this.entries.set(isolate.key, isolate);
    for (const oldest of this.entries.values()) {
      if (this.entries.size <= this.options.maxIsolates) break;
      this.retire(oldest);
    }
  }

  /** Takes the isolate out of service; it is disposed as soon as no run is using it. */
  retire(isolate: PluginIsolate): void {
    if (this.entries.get(isolate.key) === isolate) {
      this.entries.delete(isolate.key);
      this.evicted.push(isolate.key);
    }
    isolate.retired = true;
    if (isolate.runsInFlight.size === 0) isolate.dispose();
    else this.retiring.add(isolate);
  }

  /** Disposes now, failing nothing itself: the caller settles the runs that were inside. */
  discard(isolate: PluginIsolate): void {
    if (this.entries.get(isolate.key) === isolate) {
      this.entries.delete(isolate.key);
      this.evicted.push(isolate.key);
    }
    isolate.retired = true;
    this.retiring.delete(isolate);
    isolate.dispose();
  }

  /** Bookkeeping after one of the isolate's runs ended. */
  runEnded(isolate: PluginIsolate): void {
    isolate.runsServed += 1;
    if (!isolate.retired && !isolate.disposed && this.shouldRecycle(isolate)) {
      this.retire(isolate);
    }
    if (isolate.retired && isolate.runsInFlight.size === 0) {
      this.retiring.delete(isolate);
      isolate.dispose();
    }
  }

  /** Keys that left the cache since the last call, so the host can stop routing by them. */
  drainEvicted(): string[] | undefined {
    if (this.evicted.length === 0) return undefined;
    const keys = this.evicted;
    this.evicted = [];
    return keys;
  }

  disposeAll(): void {
    for (const isolate of this.entries.values()) isolate.dispose();
    for (const isolate of this.retiring) isolate.dispose();
    this.entries.clear();
    this.retiring.clear();
  }

  private shouldRecycle(isolate: PluginIsolate): boolean {
    if (isolate.runsServed >= this.options.recycleAfterRuns) return true;
    if (isolate.runsServed % HEAP_CHECK_EVERY_RUNS !== 0) return false;
    return isolate.heapShare() >= this.options.recycleAtHeapShare;
  }
}
