import { compileFlow } from '../compile/compile-flow.js';
import { createRegistry } from '../plugins/registry.js';
import { chainFlow, median, report, trivialPlugin } from './fixtures.js';

/** Validate + compile, uncached: a fresh flow id each run gives a new content hash. */
export async function benchCompile(): Promise<void> {
  const registry = createRegistry({ plugins: [trivialPlugin()] });
  for (const size of [10, 100, 1000]) {
    const runs = size === 1000 ? 15 : 50;
    const times: number[] = [];
    for (let i = 0; i < runs + 3; i += 1) {
      const doc = chainFlow(size, { id: `c${size}-${i}`, branches: true, endAtWait: true });
      const started = performance.now();
      const result = compileFlow(doc, registry);
      const elapsed = performance.now() - started;
      if (!result.ok) throw new Error(JSON.stringify(result.issues.slice(0, 3)));
      if (i >= 3) times.push(elapsed);
    }
    const ms = median(times);
    report(`validate+compile ${size} nodes`, { median_ms: ms, us_per_node: (ms * 1000) / size, target_1000_ms: 100 });
  }
  const doc = chainFlow(1000, { id: 'cached', branches: true });
  compileFlow(doc, registry);
  const started = performance.now();
  for (let i = 0; i < 1000; i += 1) compileFlow(JSON.parse(JSON.stringify(doc)) as unknown, registry);
  report('compile cache hit (1000 nodes)', { us_per_lookup: (performance.now() - started) / 1000 * 1000, note: 'includes hashing a parsed copy' });
}
