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
  const copies = Array.from({ length: 50 }, () => JSON.parse(JSON.stringify(doc)) as unknown);
  let started = performance.now();
  for (let i = 0; i < 10_000; i += 1) compileFlow(doc, registry);
  const sameObject = ((performance.now() - started) / 10_000) * 1000;
  started = performance.now();
  for (const copy of copies) compileFlow(copy, registry);
  const equalCopy = ((performance.now() - started) / copies.length) * 1000;
  report('compile cache hit, 1000 nodes', { same_object_us: sameObject, equal_copy_us: equalCopy, note: 'a copy is hashed (JSON + sha256)' });
}
