import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import defaultRates from './default-rates.json' with { type: 'json' };
import { loadDefaultRates, loadRates, loadRatesFile, noRateMessage, rateFor } from './rates.js';

const valid = { feePercent: 10, models: { 'openai/gpt-4o': { inputPer1K: 2.5, outputPer1K: 10 } } };

function issuesOf(json: unknown): string[] {
  const loaded = loadRates(json, 'test');
  return loaded.ok ? [] : loaded.issues.map((issue) => `${issue.pointer}: ${issue.message}`);
}

describe('loadRates', () => {
  it('accepts default-rates.json and reads its figures', () => {
    expect(issuesOf(defaultRates)).toEqual([]);
    const table = loadDefaultRates();
    expect(rateFor(table, 'openai', 'gpt-4o')).toEqual({ inputPer1K: 2.5, outputPer1K: 10 });
    expect(rateFor(table, 'openai', 'gpt-4o-mini')).toEqual({ inputPer1K: 0.15, outputPer1K: 0.6 });
    expect(rateFor(table, 'anthropic', 'claude-sonnet-4')).toEqual({ inputPer1K: 3, outputPer1K: 15 });
    for (const model of ['gpt-4.1', 'gpt-4.1-mini', 'o3-mini']) expect(rateFor(table, 'openai', model)).toBeDefined();
    for (const model of ['claude-opus-4', 'claude-3-5-haiku']) expect(rateFor(table, 'anthropic', model)).toBeDefined();
    expect(table.defaultRate).toBeUndefined();
  });

  it('finds the exact model first, then the default rate, else nothing', () => {
    const loaded = loadRates({ ...valid, defaultRate: { inputPer1K: 1, outputPer1K: 2 } }, 'test');
    if (!loaded.ok) throw new Error('expected valid');
    expect(rateFor(loaded.value, 'openai', 'gpt-4o')).toEqual({ inputPer1K: 2.5, outputPer1K: 10 });
    expect(rateFor(loaded.value, 'openai', 'gpt-9')).toEqual({ inputPer1K: 1, outputPer1K: 2 });
    const strict = loadRates(valid, 'test');
    if (!strict.ok) throw new Error('expected valid');
    expect(rateFor(strict.value, 'openai', 'gpt-9')).toBeUndefined();
    expect(noRateMessage('openai', 'gpt-9')).toBe('no rate for openai/gpt-9; add it to the rates file or set defaultRate');
  });

  it('treats a model key such as __proto__ as data, never as the prototype', () => {
    const json = JSON.parse('{"feePercent":0,"models":{"openai/gpt-4o":{"inputPer1K":1,"outputPer1K":1}}}') as unknown;
    const loaded = loadRates(json, 'test');
    if (!loaded.ok) throw new Error('expected valid');
    expect(rateFor(loaded.value, 'openai', 'constructor')).toBeUndefined();
    expect(issuesOf(JSON.parse('{"feePercent":0,"models":{"__proto__":{"inputPer1K":1,"outputPer1K":1}}}'))).toHaveLength(1);
  });

  it('refuses hostile rate configs, naming the field (B-08)', () => {
    const model = (rate: unknown) => ({ feePercent: 0, models: { 'openai/gpt-4o': rate } });
    expect(issuesOf(model({ inputPer1K: -1, outputPer1K: 10 }))).toMatchInlineSnapshot(`
      [
        "/models/openai~1gpt-4o/inputPer1K: must be at least 0",
      ]
    `);
    expect(issuesOf(model({ inputPer1K: Number.NaN, outputPer1K: Number.POSITIVE_INFINITY }))).toMatchInlineSnapshot(`
      [
        "/models/openai~1gpt-4o/inputPer1K: must be a number",
        "/models/openai~1gpt-4o/outputPer1K: must be a number",
      ]
    `);
    expect(issuesOf(model({ inputPer1K: '2.5', outputPer1K: null }))).toMatchInlineSnapshot(`
      [
        "/models/openai~1gpt-4o/inputPer1K: must be a number",
        "/models/openai~1gpt-4o/outputPer1K: must be a number",
      ]
    `);
    expect(issuesOf(model({ inputPer1K: 1 }))).toMatchInlineSnapshot(`
      [
        "/models/openai~1gpt-4o: missing required property "outputPer1K"",
      ]
    `);
    expect(issuesOf({ feePercent: 0 })).toMatchInlineSnapshot(`
      [
        ": missing required property "models"",
      ]
    `);
    expect(issuesOf({ feePercent: 150, models: {}, extra: true })).toMatchInlineSnapshot(`
      [
        "/extra: unknown property "extra" (allowed: $schema, description, feePercent, defaultRate, models)",
        "/feePercent: must be at most 100",
      ]
    `);
    expect(issuesOf({ feePercent: 0, models: { 'gpt-4o': { inputPer1K: 1, outputPer1K: 1 } } })).toMatchInlineSnapshot(`
      [
        "/models/gpt-4o: model key "gpt-4o" must look like "<provider>/<model>", e.g. "openai/gpt-4o"",
      ]
    `);
    expect(issuesOf(null)).toMatchInlineSnapshot(`
      [
        ": must be an object",
      ]
    `);
  });
});

describe('loadRatesFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-rates-'));

  it('loads a good file', () => {
    const path = join(dir, 'good.json');
    writeFileSync(path, JSON.stringify(valid));
    expect(loadRatesFile(path).feePercent).toBe(10);
  });

  it('throws one clear message naming the file and every bad field', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ feePercent: -5, models: { 'openai/gpt-4o': { inputPer1K: -100, outputPer1K: '1' } } }));
    expect(() => loadRatesFile(path)).toThrow(
      [
        `rates file ${path} is invalid; fix these fields:`,
        '  /feePercent: must be at least 0',
        '  /models/openai~1gpt-4o/inputPer1K: must be at least 0',
        '  /models/openai~1gpt-4o/outputPer1K: must be a number',
      ].join('\n'),
    );
  });

  it('says when the file is not JSON or missing', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ "feePercent": NaN }');
    expect(() => loadRatesFile(path)).toThrow(`cannot read the rates file ${path}: `);
    expect(() => loadRatesFile(join(dir, 'missing.json'))).toThrow(/cannot read the rates file .*missing\.json: ENOENT/);
  });
});
