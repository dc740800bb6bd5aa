import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { build, type Message } from 'esbuild';

const gzipAsync = promisify(gzip);

/** The built widget script, ready to send. */
export interface WidgetBundle {
  code: Buffer;
  /** The same bytes gzipped, for clients that accept it (the script is sent on every page view). */
  gzipped: Buffer;
  /** Strong ETag: a hash of the code. */
  etag: string;
}

/** Where the widget's browser source lives, running from `src` (tsx, vitest) or from `dist`. */
const ENTRY_CANDIDATES = [new URL('./client/main.ts', import.meta.url), new URL('../../src/widget/client/main.ts', import.meta.url)];

/** The widget's entry file: the first candidate that exists (the `src` one named in errors when none does). */
export function defaultWidgetEntry(): string {
  const found = ENTRY_CANDIDATES.find((candidate) => existsSync(fileURLToPath(candidate)));
  return fileURLToPath(found ?? ENTRY_CANDIDATES[0]!);
}

/** esbuild's messages with absolute file names (esbuild gives them relative to its working directory). */
function describe(messages: readonly Message[], workingDir: string): string {
  return messages
    .slice(0, 5)
    .map((m) => (m.location === null ? m.text : `${path.resolve(workingDir, m.location.file)}:${m.location.line}:${m.location.column}: ${m.text}`))
    .join('; ');
}

/** Bundles the browser source into one self-contained, minified IIFE (no globals besides what it sets itself). */
async function bundle(entry: string): Promise<WidgetBundle> {
  if (!existsSync(entry)) throw new Error(`the widget source ${entry} is missing; the server must run from a checkout that includes server/src/widget/client`);
  const tsconfig = path.join(path.dirname(entry), 'tsconfig.json');
  try {
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: path.dirname(entry),
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
      ...(existsSync(tsconfig) ? { tsconfig } : {}),
    });
    const output = result.outputFiles[0];
    if (output === undefined) throw new Error('esbuild produced no output');
    const code = Buffer.from(output.contents);
    return { code, gzipped: await gzipAsync(code, { level: 9 }), etag: `"${createHash('sha256').update(code).digest('base64url').slice(0, 27)}"` };
  } catch (error) {
    const failure = error as { errors?: Message[]; message?: string };
    const detail = failure.errors !== undefined && failure.errors.length > 0 ? describe(failure.errors, path.dirname(entry)) : String(failure.message ?? error);
    throw new Error(`esbuild could not bundle ${entry}: ${detail}`, { cause: error });
  }
}

/**
 * One build per entry per process, shared by every server in it (tests start many). A failed
 * build is forgotten, so the next request tries again once the source is fixed.
 */
const builds = new Map<string, Promise<WidgetBundle>>();

export function widgetBundle(entry: string): Promise<WidgetBundle> {
  let pending = builds.get(entry);
  if (pending === undefined) {
    pending = bundle(entry);
    builds.set(entry, pending);
    pending.catch(() => builds.delete(entry));
  }
  return pending;
}
