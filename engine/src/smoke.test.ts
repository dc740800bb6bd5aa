import { describe, expect, it } from 'vitest';
import ivm from 'isolated-vm';
import { FLOW_FORMAT } from './index.js';

describe('toolchain', () => {
  it('resolves workspace packages from source and loads isolated-vm', () => {
    expect(FLOW_FORMAT).toBe('nexusflow/flow@1');
    expect(process.execArgv).toContain('--no-node-snapshot');
    const isolate = new ivm.Isolate({ memoryLimit: 8 });
    expect(isolate.createContextSync().evalSync('6*7')).toBe(42);
    isolate.dispose();
  });
});
