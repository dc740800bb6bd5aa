/**
 * The local check of a plugin upload: the person picks (or drops) a built plugin's plugin.json and
 * the bundle its `main` names. This catches what the browser can see (a missing or unparsable
 * manifest, a missing bundle) with a sentence saying how to fix it; the server checks the rest and
 * lists every problem it finds.
 */

export interface PickedFile {
  name: string;
  text: string;
}

export type PluginFilesCheck =
  | { ok: true; manifest: Record<string, unknown>; code: string; manifestFile: string; bundleFile: string }
  | { ok: false; problem: string };

const MANIFEST_NAME = 'plugin.json';
const HOW_TO_PICK = 'pick plugin.json and its bundle together (hold Ctrl or ⌘ to select both), or drop both here';

/** The last segment of a path in the manifest (`dist/acme.js` → `acme.js`); a file picker gives names only. */
export function baseName(path: string): string {
  return path.split(/[\\/]/).filter((s) => s !== '' && s !== '.').pop() ?? '';
}

/** Reads the picked files as text (a plugin is JSON and one JavaScript file). */
export async function readPickedFiles(files: Iterable<File>): Promise<PickedFile[]> {
  return Promise.all([...files].map(async (file) => ({ name: file.name, text: await file.text() })));
}

function findManifest(files: readonly PickedFile[]): PickedFile | string {
  const named = files.filter((f) => f.name === MANIFEST_NAME);
  if (named.length === 1 && named[0] !== undefined) return named[0];
  if (named.length > 1) return `${MANIFEST_NAME} was given ${named.length} times: pick the one of the plugin you are uploading.`;
  const json = files.filter((f) => f.name.toLowerCase().endsWith('.json'));
  if (json.length === 1 && json[0] !== undefined) return json[0];
  if (json.length > 1) return `Which of ${json.map((f) => f.name).join(', ')} is the manifest? Name it ${MANIFEST_NAME}, or pick only the plugin's ${MANIFEST_NAME} and its bundle.`;
  const given = files.length === 0 ? 'No file was given' : `Only ${files.map((f) => f.name).join(', ')} ${files.length === 1 ? 'was' : 'were'} given`;
  return `${given}, and no ${MANIFEST_NAME}: ${HOW_TO_PICK}.`;
}

/** Finds the manifest and the bundle among the picked files, or says what is missing and how to fix it. */
export function checkPluginFiles(files: readonly PickedFile[]): PluginFilesCheck {
  const found = findManifest(files);
  if (typeof found === 'string') return { ok: false, problem: found };
  let manifest: unknown;
  try {
    manifest = JSON.parse(found.text);
  } catch (error) {
    return { ok: false, problem: `${found.name} is not valid JSON (${(error as Error).message}); pick the plugin.json of the built plugin, or fix it.` };
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    return { ok: false, problem: `${found.name} must hold a JSON object (the plugin manifest, with name, version, main and nodes).` };
  }
  const manifestObject = manifest as Record<string, unknown>;
  const main = manifestObject.main;
  if (typeof main !== 'string' || baseName(main) === '') {
    return { ok: false, problem: `${found.name} has no "main": it must name the plugin's bundle, e.g. "main": "dist/index.js".` };
  }
  const bundleName = baseName(main);
  const others = files.filter((f) => f !== found);
  const bundle = others.find((f) => f.name === bundleName);
  if (bundle === undefined) {
    const given = others.length === 0 ? `only ${found.name} was given` : `${others.map((f) => f.name).join(', ')} ${others.length === 1 ? 'was' : 'were'} given instead`;
    return {
      ok: false,
      problem: `The bundle ${bundleName} is missing: ${found.name} names "${main}" as its "main", but ${given}. If ${main} does not exist yet, build the plugin (npx nexusflow plugin build <folder>); then ${HOW_TO_PICK}.`,
    };
  }
  if (bundle.text.trim() === '') {
    return { ok: false, problem: `${bundle.name} is empty: build the plugin again (npx nexusflow plugin build <folder>) and pick the new ${bundle.name}.` };
  }
  return { ok: true, manifest: manifestObject, code: bundle.text, manifestFile: found.name, bundleFile: bundle.name };
}
