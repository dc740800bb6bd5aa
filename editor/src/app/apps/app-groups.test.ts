import { describe, expect, it } from 'vitest';
import type { AppDeployment } from '../../api/index.js';
import { canMakeLive, failureOf, groupApps, totalBytes } from './app-groups.js';

const app = (name: string, version: number, status: string, live = false, detail: Record<string, unknown> = {}): AppDeployment => ({
  id: `${name}-${version}`,
  workspaceId: 'w1',
  name,
  version,
  target: 'local',
  status,
  live,
  files: [],
  detail,
  key: `k-${name}-${version}`,
  createdAt: version,
  updatedAt: version,
});

describe('generated apps', () => {
  it('groups versions by app: the live one first, else the newest; apps in the order the server listed them', () => {
    const groups = groupApps([app('shop', 3, 'failed'), app('blog', 1, 'live', true), app('shop', 2, 'live', true), app('shop', 1, 'superseded'), app('todo', 1, 'uploading')]);
    expect(groups.map((g) => [g.name, g.current.version, g.earlier.map((e) => e.version)])).toEqual([
      ['shop', 2, [3, 1]],
      ['blog', 1, []],
      ['todo', 1, []],
    ]);
  });

  it('offers Make live for finished versions that are not live', () => {
    expect([app('a', 1, 'superseded'), app('a', 2, 'live', true), app('a', 3, 'failed'), app('a', 4, 'starting'), app('a', 5, 'live')].map(canMakeLive)).toEqual([true, false, false, false, true]);
  });

  it("says why a deployment failed from its detail's reason or error", () => {
    expect(failureOf(app('a', 1, 'failed', false, { reason: 'the platform answered 503' }))).toBe('the platform answered 503');
    expect(failureOf(app('a', 1, 'failed', false, { error: { message: 'upload timed out' } }))).toBe('upload timed out');
    expect(failureOf(app('a', 1, 'failed'))).toBe('the hosting target gave no reason');
    expect(failureOf(app('a', 1, 'live', true))).toBeUndefined();
    expect(totalBytes([{ bytes: 10 }, { bytes: 32 }])).toBe(42);
  });
});
