import { describe, expect, it } from 'vitest';
import { baseName, checkPluginFiles, type PickedFile } from './plugin-files.js';

const manifest = (fields: Record<string, unknown> = {}) => JSON.stringify({ name: 'acme', version: '1.0.0', main: 'dist/acme.js', nodes: [], ...fields });
const file = (name: string, text: string): PickedFile => ({ name, text });
const BUNDLE = 'module.exports = { nodes: {} };';

function problemOf(files: PickedFile[]): string {
  const check = checkPluginFiles(files);
  if (check.ok) throw new Error('expected a problem');
  return check.problem;
}

describe('checkPluginFiles', () => {
  it('pairs plugin.json with the bundle its main names, whatever order they come in', () => {
    const check = checkPluginFiles([file('acme.js', BUNDLE), file('plugin.json', manifest())]);
    expect(check).toEqual({ ok: true, manifest: JSON.parse(manifest()), code: BUNDLE, manifestFile: 'plugin.json', bundleFile: 'acme.js' });
  });

  it('says which bundle is missing and how to give it', () => {
    const alone = problemOf([file('plugin.json', manifest())]);
    expect(alone).toContain('The bundle acme.js is missing');
    expect(alone).toContain('"dist/acme.js"');
    expect(alone).toContain('only plugin.json was given');
    expect(alone).toMatch(/pick plugin\.json and its bundle together/);
    expect(problemOf([file('plugin.json', manifest()), file('index.js', BUNDLE)])).toContain('index.js was given instead');
  });

  it('asks for plugin.json when no manifest was picked', () => {
    expect(problemOf([file('acme.js', BUNDLE)])).toBe('Only acme.js was given, and no plugin.json: pick plugin.json and its bundle together (hold Ctrl or ⌘ to select both), or drop both here.');
  });

  it('reports a manifest that is not JSON, not an object, or has no main', () => {
    expect(problemOf([file('plugin.json', '{ "name": '), file('acme.js', BUNDLE)])).toMatch(/^plugin\.json is not valid JSON \(/);
    expect(problemOf([file('plugin.json', '[]'), file('acme.js', BUNDLE)])).toMatch(/must hold a JSON object/);
    expect(problemOf([file('plugin.json', manifest({ main: undefined })), file('acme.js', BUNDLE)])).toMatch(/has no "main"/);
  });

  it('refuses an empty bundle', () => {
    expect(problemOf([file('plugin.json', manifest()), file('acme.js', '  \n')])).toMatch(/^acme\.js is empty/);
  });

  it('takes a lone JSON file of another name as the manifest, and prefers plugin.json among several', () => {
    expect(checkPluginFiles([file('acme.plugin.json', manifest()), file('acme.js', BUNDLE)]).ok).toBe(true);
    expect(checkPluginFiles([file('package.json', '{}'), file('plugin.json', manifest()), file('acme.js', BUNDLE)]).ok).toBe(true);
    expect(problemOf([file('a.json', manifest()), file('b.json', manifest()), file('acme.js', BUNDLE)])).toMatch(/Which of a\.json, b\.json is the manifest/);
  });
});

describe('baseName', () => {
  it('keeps the file name of a path in the manifest', () => {
    expect(['dist/acme.js', './acme.js', 'acme.js', 'dist\\acme.js'].map(baseName)).toEqual(['acme.js', 'acme.js', 'acme.js', 'acme.js']);
  });
});
