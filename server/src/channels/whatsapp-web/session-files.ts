import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';

/** LocalAuth's own rule for client ids; the id becomes a directory name, so nothing else passes. */
export const CLIENT_ID_PATTERN = /^[-_\w]+$/;

/** A lock not refreshed for this long belongs to a dead process and may be taken over. */
export const LOCK_STALE_MS = 30_000;

export function checkClientId(connectionId: string): void {
  if (!CLIENT_ID_PATTERN.test(connectionId)) {
    throw new Error(
      `WhatsApp connection id ${JSON.stringify(connectionId.slice(0, 80))} cannot name a login directory: it must match ${CLIENT_ID_PATTERN.source} (letters, digits, "_" and "-"); use the id the store generated for the connection`,
    );
  }
}

/**
 * Where one connection keeps its files under `<dataDir>/whatsapp/`:
 * - `session-<id>/`: LocalAuth's Chromium profile (the login);
 * - `session-<id>.lock/`: the lock of the process running it (proper-lockfile, refreshed mtime);
 * - `session-<id>.owner.json`: which process holds the lock, for the refusal message;
 * - `session-<id>.paired.json`: written at `ready`; tells a later QR that the saved login was lost.
 */
export function sessionFiles(dataDir: string, connectionId: string) {
  checkClientId(connectionId);
  const dataPath = path.join(path.resolve(dataDir), 'whatsapp');
  const profile = path.join(dataPath, `session-${connectionId}`);
  return {
    dataPath,
    profile,
    lock: `${profile}.lock`,
    owner: `${profile}.owner.json`,
    paired: `${profile}.paired.json`,
    webCache: path.join(dataPath, 'web-cache'),
  };
}
export type SessionFiles = ReturnType<typeof sessionFiles>;

export type LockResult = { ok: true; release: () => Promise<void> } | { ok: false; holder: string };

/**
 * Takes the connection's lock so a second process (or adapter) never opens the same Chromium
 * profile: two browsers on one profile corrupt it. `onLost` runs if the lock is taken away (its
 * directory removed, or the process stalled past the stale time).
 */
export async function lockSession(files: SessionFiles, onLost: (error: Error) => void): Promise<LockResult> {
  await mkdir(files.dataPath, { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(files.profile, {
      lockfilePath: files.lock,
      realpath: false,
      stale: LOCK_STALE_MS,
      update: LOCK_STALE_MS / 3,
      retries: 0,
      onCompromised: onLost,
    });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ELOCKED') throw error;
    return { ok: false, holder: await describeHolder(files) };
  }
  await writeFile(files.owner, JSON.stringify({ pid: process.pid, hostname: hostname(), at: Date.now() })).catch(() => undefined);
  return {
    ok: true,
    async release() {
      await rm(files.owner, { force: true }).catch(() => undefined);
      await release().catch(() => undefined);
    },
  };
}

async function describeHolder(files: SessionFiles): Promise<string> {
  try {
    const owner = JSON.parse(await readFile(files.owner, 'utf8')) as { pid?: unknown; hostname?: unknown };
    if (typeof owner.pid === 'number' && typeof owner.hostname === 'string') return `process ${owner.pid} on ${owner.hostname}`;
  } catch {
    // No owner note (written right after the lock): the lock itself is what counts.
  }
  return 'another process';
}

export async function markPaired(files: SessionFiles, at: number): Promise<void> {
  await writeFile(files.paired, JSON.stringify({ at }));
}

export async function wasPaired(files: SessionFiles): Promise<boolean> {
  try {
    await readFile(files.paired);
    return true;
  } catch {
    return false;
  }
}

/** Forgets the login: the next start asks for a QR code. Only called with the browser closed. */
export async function clearSession(files: SessionFiles): Promise<void> {
  await rm(files.profile, { recursive: true, force: true, maxRetries: 4 });
  await rm(files.paired, { force: true });
}
