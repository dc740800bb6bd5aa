import { NexusError, type DeployTargetName } from '@nexusflow/engine';

export interface DeployFile {
  path: string;
  content: string;
}

export interface DeployLimits {
  maxFiles: number;
  /** Total UTF-8 bytes of all contents. */
  maxBytes: number;
}

export const MAX_PATH_CHARS = 256;
/** Hosting targets a publish may name; `local` when it names none. */
export const DEPLOY_TARGETS: readonly DeployTargetName[] = ['local', 'platform'];
/** A site name becomes a DNS label (`<name>.sites.example`), so it follows label rules. */
export const SITE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function fail(message: string): NexusError {
  return new NexusError('capability_failed', `deploy.publish: ${message}`);
}

/** Why a path is refused, or undefined when it is a clean relative path such as `assets/app.js`. */
export function pathProblem(path: string): string | undefined {
  if (path.length === 0 || path.length > MAX_PATH_CHARS) return `must be 1 to ${MAX_PATH_CHARS} characters`;
  // Control characters (NUL above all) cut paths short in some file APIs.
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'contains a control character';
  // Backslashes are separators on Windows hosts: `..\\x` must not slip past the `..` check.
  if (path.includes('\\')) return 'contains a backslash; use / between folders';
  if (path.startsWith('/')) return 'is absolute; use a relative path such as index.html';
  if (/^[A-Za-z]:/.test(path)) return 'starts with a drive letter; use a relative path';
  const segments = path.split('/');
  if (segments.some((s) => s === '..')) return 'contains ".."; files stay inside the site';
  if (segments.some((s) => s === '.' || s === '')) return 'has an empty or "." segment';
  return undefined;
}

/** The checked `{ name, files, target }` of a publish request; throws a sentence naming the first problem. */
export function validatePublishRequest(value: unknown, limits: DeployLimits): { name: string; files: DeployFile[]; target: DeployTargetName } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('needs { name, files: [{ path, content }], target? }');
  const { name, files, target = 'local' } = value as { name?: unknown; files?: unknown; target?: unknown };
  if (typeof name !== 'string' || !SITE_NAME.test(name)) {
    throw fail(`name ${JSON.stringify(name)} must be 1 to 63 lowercase letters, digits or inner dashes, e.g. "my-site"`);
  }
  if (typeof target !== 'string' || !(DEPLOY_TARGETS as readonly string[]).includes(target)) {
    throw fail(`target ${JSON.stringify(target)} must be one of ${DEPLOY_TARGETS.map((t) => `"${t}"`).join(', ')} (default "local")`);
  }
  if (!Array.isArray(files) || files.length === 0) throw fail('files must be a non-empty array of { path, content }');
  if (files.length > limits.maxFiles) throw fail(`${files.length} files is more than the ${limits.maxFiles} allowed`);
  const seen = new Set<string>();
  let bytes = 0;
  const checked = files.map((file: unknown, index): DeployFile => {
    const { path, content } = (typeof file === 'object' && file !== null ? file : {}) as { path?: unknown; content?: unknown };
    if (typeof path !== 'string') throw fail(`files[${index}].path must be a string`);
    const problem = pathProblem(path);
    if (problem !== undefined) throw fail(`files[${index}].path ${JSON.stringify(path.slice(0, 100))} ${problem}`);
    // Case-insensitive: `Index.html` and `index.html` are one file on many hosts.
    const key = path.toLowerCase();
    if (seen.has(key)) throw fail(`files[${index}].path ${JSON.stringify(path)} is listed twice`);
    seen.add(key);
    if (typeof content !== 'string') throw fail(`files[${index}].content must be a string`);
    bytes += Buffer.byteLength(content);
    if (bytes > limits.maxBytes) throw fail(`the files are larger than ${limits.maxBytes} bytes in total`);
    return { path, content };
  });
  const clash = folderClash(checked.map((f) => f.path));
  if (clash !== undefined) throw fail(`files[${clash.index}].path ${JSON.stringify(clash.path)} is also used as a folder by ${JSON.stringify(clash.inside)}; a path is a file or a folder, not both`);
  return { name, files: checked, target: target as DeployTargetName };
}

/** A path that another path uses as a folder (`a` and `a/b.html`): no file system can hold both. */
function folderClash(paths: readonly string[]): { index: number; path: string; inside: string } | undefined {
  const folders = new Map<string, string>();
  for (const path of paths) {
    const segments = path.toLowerCase().split('/');
    for (let i = 1; i < segments.length; i += 1) {
      const folder = segments.slice(0, i).join('/');
      if (!folders.has(folder)) folders.set(folder, path);
    }
  }
  for (const [index, path] of paths.entries()) {
    const inside = folders.get(path.toLowerCase());
    if (inside !== undefined) return { index, path, inside };
  }
  return undefined;
}
