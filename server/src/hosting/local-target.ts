import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { NexusError, type CapabilityContext, type DeployRequest, type DeployResult, type DeployTarget } from '@nexusflow/engine';
import type { AppDeployment, AppDeploymentRepository } from '../store/types.js';
import { appFolder, localAppUrl, versionFolder } from './app-paths.js';

export interface LocalTargetOptions {
  apps: AppDeploymentRepository;
  dataDir: string;
  /** The address people reach this server at (known only once it listens). */
  publicUrl: () => string;
}

/** Statuses of a deployment whose work is done: a re-run answers it as it is. */
const FINISHED = new Set(['live', 'superseded']);

/** Relative paths and UTF-8 sizes, as recorded with the deployment. */
export function fileSizes(files: DeployRequest['files']): AppDeployment['files'] {
  return files.map((f) => ({ path: f.path, bytes: Buffer.byteLength(f.content) }));
}

/** What a publish answers for a recorded deployment. */
export function resultOf(deployment: AppDeployment): DeployResult {
  return { url: deployment.url ?? '', status: deployment.status, version: deployment.version, id: deployment.id };
}

/**
 * Finds or records the deployment of one publish call: the call's key makes a re-run of the step
 * find the deployment its first run recorded. A key recorded for another target is refused.
 */
export async function recordDeployment(apps: AppDeploymentRepository, context: CapabilityContext, request: DeployRequest, status: string): Promise<AppDeployment> {
  const { deployment } = await apps.create(context.workspaceId, { name: request.name, target: request.target, key: request.key, files: fileSizes(request.files), status });
  if (deployment.name !== request.name || deployment.target !== request.target) {
    throw new NexusError(
      'deploy_failed',
      `deploy.publish: this step already published "${deployment.name}" to target ${deployment.target} (version ${deployment.version}); a re-run cannot change the name or target`,
    );
  }
  return deployment;
}

/** Writes one file and flushes it, so a version that was renamed into place is whole after a crash. */
async function writeDurably(file: string, content: string): Promise<void> {
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(folder: string): Promise<boolean> {
  return stat(folder).then(
    () => true,
    () => false,
  );
}

/** Removes folders an interrupted attempt at this version left behind. */
async function removeLeftovers(folder: string, version: number): Promise<void> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const prefix = `.tmp-v${version}-`;
  await Promise.all(names.filter((n) => n.startsWith(prefix)).map((n) => rm(path.join(folder, n), { recursive: true, force: true })));
}

/**
 * Writes a version's files into a temporary folder next to the final one, then renames it into
 * place: the served folder is either absent or complete, never half written. Finds the version
 * already in place (a re-run after a crash past the rename) and leaves it.
 */
export async function writeVersion(app: string, version: number, final: string, files: DeployRequest['files']): Promise<void> {
  if (await exists(final)) return;
  await mkdir(app, { recursive: true });
  await removeLeftovers(app, version);
  const temp = path.join(app, `.tmp-v${version}-${randomBytes(6).toString('hex')}`);
  await mkdir(temp);
  try {
    for (const file of files) {
      const target = path.resolve(temp, file.path);
      // The capability already refused `..` and absolute paths; this keeps the promise locally too.
      if (!target.startsWith(`${temp}${path.sep}`)) throw new Error(`file path ${JSON.stringify(file.path)} leaves the app folder`);
      await mkdir(path.dirname(target), { recursive: true });
      await writeDurably(target, file.content);
    }
    await rename(temp, final);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    // A concurrent attempt at the same version renamed first: its folder is complete.
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await exists(final))) return;
    throw error;
  }
}

/**
 * The `local` hosting target: stores each version's files under
 * `<dataDir>/apps/<workspaceId>/<name>/v<version>/`, records the deployment in `store.apps` and makes
 * it live at once; `serve-apps.ts` serves the live version at `<publicUrl>/apps/<workspaceId>/<name>/`.
 * Earlier versions stay on disk, so `POST .../apps/:id/live` can switch back to one.
 *
 * @example
 * const local = createLocalTarget({ apps: store.apps, dataDir: config.dataDir, publicUrl: () => url });
 */
export function createLocalTarget(options: LocalTargetOptions): DeployTarget {
  const { apps, dataDir } = options;
  return {
    async publish(context, request) {
      const workspaceId = context.workspaceId;
      const deployment = await recordDeployment(apps, context, request, 'uploading');
      if (FINISHED.has(deployment.status)) return resultOf(deployment);
      try {
        const app = appFolder(dataDir, workspaceId, request.name);
        await writeVersion(app, deployment.version, versionFolder(dataDir, workspaceId, request.name, deployment.version), request.files);
        await apps.update(workspaceId, deployment.id, { url: localAppUrl(options.publicUrl(), workspaceId, request.name), detail: { folder: `v${deployment.version}` } });
        const live = await apps.setLive(workspaceId, deployment.id);
        if (live === undefined) throw new Error(`deployment ${deployment.id} disappeared while it was being made live`);
        return resultOf(live);
      } catch (error) {
        // File system messages name absolute paths; the flow and the editor need only the cause.
        const cause = (error instanceof Error ? error.message : String(error)).replaceAll(dataDir, '<data dir>');
        const reason = `could not store version ${deployment.version} of "${request.name}": ${cause}`;
        await apps.update(workspaceId, deployment.id, { status: 'failed', detail: { reason } }).catch(() => undefined);
        throw new NexusError('deploy_failed', `deploy.publish: ${reason}`);
      }
    },
  };
}
