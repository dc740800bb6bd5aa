import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { NexusError, type DeployTarget } from '@nexusflow/engine';
import type { Logger } from 'pino';
import type { AppDeploymentRepository } from '../store/types.js';
import { recordDeployment, resultOf } from './local-target.js';
import { PlatformError, type DatabaseCredentials, type PlatformApi, type PlatformStep } from './platform-api.js';

/**
 * The `platform` hosting target: puts a generated app on a hosting platform (in the manner of
 * Render or Railway) through its HTTP API, configured by DEPLOY_PLATFORM_URL and
 * DEPLOY_PLATFORM_TOKEN.
 *
 * ## The protocol a platform speaks
 *
 * JSON over HTTP(S). Every request carries `Authorization: Bearer <DEPLOY_PLATFORM_TOKEN>`; a
 * wrong token answers 401. Errors are any non-2xx status with `{ "error": code, "message": sentence }`.
 * Creating calls carry an `Idempotency-Key` header: the platform answers a key it has seen with
 * what it made the first time (200 instead of 201) and never makes a second one.
 *
 * | call | body | answer |
 * |---|---|---|
 * | `POST /v1/databases` | `{ name }` | 201 `{ id, credentials: { url, host, port, database, user, password } }` |
 * | `POST /v1/services` | `{ name, databaseId? }` | 201 `{ id }`; the service gets the database as `DATABASE_URL` |
 * | `PUT /v1/services/:id/files` | `{ files: [{ path, content }] }` | 204; replaces the service's files |
 * | `POST /v1/services/:id/start` | none | 202 `{ status: "starting" }`; starting a started service is not an error |
 * | `GET /v1/services/:id` | none | 200 `{ id, status: "created" \| "starting" \| "live" \| "failed", url?, error? }` |
 *
 * Starting is asynchronous: the target polls `GET /v1/services/:id` every poll interval until the
 * status is `live` (with its public `url`) or `failed` (with `error`), or the time limit passes.
 *
 * ## What this target does with it
 *
 * One database per app (`<workspace>/<name>`; later versions reuse the first version's, so data
 * outlives a redeploy or a rollback) and one service per version (so a rollback makes an older,
 * still running service live again). Each step is written to the deployment in `store.apps`
 * (status `pending` -> `uploading` -> `starting` -> `live`, or `failed` with `detail.reason` and
 * `detail.failedStep`), and the ids the platform gave are kept in `detail`. A re-run of the step
 * (same call key) finds that record and continues from it: the service it created is reused, and
 * the `Idempotency-Key` (a hash of the call key, so no contact id leaves the server) makes the
 * platform answer the same service even when the process died between the platform creating it
 * and the store recording it. The database credentials stay in `detail.database` (the API shows
 * them to editors only); the flow gets the URL, status and version.
 */

export interface PlatformTargetOptions {
  apps: AppDeploymentRepository;
  api: PlatformApi;
  /** Between two status reads (DEPLOY_PLATFORM_POLL_MS). */
  pollIntervalMs: number;
  /** Longest a whole publish may take, from the first call to live (DEPLOY_PLATFORM_TIMEOUT_MS). */
  timeoutMs: number;
  logger?: Logger;
  now?: () => number;
}

/** What `detail` holds for a platform deployment. */
export interface PlatformDetail {
  database?: { id: string; credentials: DatabaseCredentials };
  serviceId?: string;
  /** The platform's last reported status while starting. */
  platformStatus?: string;
  reason?: string;
  failedStep?: PlatformStep | 'timeout';
}

const FINISHED = new Set(['live', 'superseded']);
/** Status reads that may fail in a row (a platform blip) before the publish gives up. */
const STATUS_ERRORS_TOLERATED = 3;

/** The service was still not live when the publish's time ran out. */
class StartTimeout extends Error {}

const idempotencyKey = (...parts: string[]) => `nexusflow-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 48)}`;

function isHttpUrl(value: string | undefined): value is string {
  if (value === undefined) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The database an earlier platform version of this app already has. */
async function earlierDatabase(apps: AppDeploymentRepository, workspaceId: string, name: string): Promise<PlatformDetail['database']> {
  for (const earlier of await apps.list(workspaceId, { name, limit: 50 })) {
    const database = (earlier.detail as PlatformDetail).database;
    if (earlier.target === 'platform' && typeof database?.id === 'string') return database;
  }
  return undefined;
}

/**
 * @example
 * const platform = createPlatformTarget({ apps: store.apps, api: createPlatformApi({ url, token }), pollIntervalMs: 2000, timeoutMs: 50_000 });
 */
export function createPlatformTarget(options: PlatformTargetOptions): DeployTarget {
  const { apps, api } = options;
  const now = options.now ?? Date.now;

  /** One status read; a few failed reads in a row (network, 5xx) are waited out. */
  async function readState(serviceId: string, errors: { count: number }) {
    try {
      const state = await api.serviceState(serviceId);
      errors.count = 0;
      return state;
    } catch (error) {
      const transient = error instanceof PlatformError && (error.status === undefined || error.status >= 500);
      if (!transient || (errors.count += 1) > STATUS_ERRORS_TOLERATED) throw error;
      return undefined;
    }
  }

  /** Polls until the service is live (its URL) or failed, within the deadline. */
  async function untilLive(serviceId: string, deadline: number, onStatus: (status: string) => Promise<void>): Promise<string> {
    const errors = { count: 0 };
    let last = 'starting';
    for (;;) {
      const state = await readState(serviceId, errors);
      if (state !== undefined) {
        if (state.status !== last) await onStatus(state.status);
        last = state.status;
        if (state.status === 'live') {
          if (!isHttpUrl(state.url)) throw new PlatformError('status', `the platform reports the service live without an http(s) url (${JSON.stringify(state.url ?? null)})`);
          return state.url;
        }
        if (state.status === 'failed') throw new PlatformError('start', `the service failed to start: ${state.error ?? 'the platform gave no reason'}`);
      }
      if (now() + options.pollIntervalMs > deadline) {
        throw new StartTimeout(`the service did not become live within ${Math.round(options.timeoutMs / 1000)} s (last status: ${last}); see the platform's logs`);
      }
      await sleep(options.pollIntervalMs);
    }
  }

  return {
    async publish(context, request) {
      const workspaceId = context.workspaceId;
      const deadline = now() + options.timeoutMs;
      const deployment = await recordDeployment(apps, context, request, 'pending');
      if (FINISHED.has(deployment.status)) return resultOf(deployment);
      // A re-run continues from what the first run recorded; its failure reason no longer applies.
      const { reason: _reason, failedStep: _failedStep, ...kept } = deployment.detail as PlatformDetail;
      const detail: PlatformDetail = kept;
      const save = (status: string) => apps.update(workspaceId, deployment.id, { status, detail: { ...detail } });
      try {
        if (detail.database === undefined) {
          detail.database =
            (await earlierDatabase(apps, workspaceId, request.name)) ??
            (await api.createDatabase({ name: request.name, idempotencyKey: idempotencyKey(workspaceId, request.name, 'database') }));
          await save('pending');
        }
        if (detail.serviceId === undefined) {
          const service = await api.createService({ name: `${request.name}-v${deployment.version}`, databaseId: detail.database.id, idempotencyKey: idempotencyKey(workspaceId, request.key, 'service') });
          detail.serviceId = service.id;
        }
        await save('uploading');
        await api.uploadFiles(detail.serviceId, request.files);
        await api.startService(detail.serviceId);
        detail.platformStatus = 'starting';
        await save('starting');
        const url = await untilLive(detail.serviceId, deadline, async (status) => {
          detail.platformStatus = status;
          await save('starting');
        });
        await apps.update(workspaceId, deployment.id, { url, detail: { ...detail } });
        const live = await apps.setLive(workspaceId, deployment.id);
        if (live === undefined) throw new Error(`deployment ${deployment.id} disappeared while it was being made live`);
        return resultOf(live);
      } catch (error) {
        const failedStep: PlatformDetail['failedStep'] = error instanceof StartTimeout ? 'timeout' : error instanceof PlatformError ? error.step : undefined;
        const reason = error instanceof Error ? error.message : String(error);
        await apps.update(workspaceId, deployment.id, { status: 'failed', detail: { ...detail, reason, ...(failedStep === undefined ? {} : { failedStep }) } }).catch(() => undefined);
        options.logger?.warn({ workspaceId, app: request.name, version: deployment.version, failedStep, reason }, 'publishing an app to the hosting platform failed');
        throw new NexusError('deploy_failed', `deploy.publish: version ${deployment.version} of "${request.name}" did not go live on the hosting platform: ${reason}`);
      }
    },
  };
}
