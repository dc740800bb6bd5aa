import type { DeployResult, DeployTarget } from '@nexusflow/engine';
import { unknownMethod } from '../args.js';
import { callKey } from '../call-sequence.js';
import type { CapabilityHandler } from '../types.js';
import { validatePublishRequest } from './validate-files.js';

export const DEFAULT_MAX_FILES = 200;
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
/** Publish results remembered for re-runs; older ones are forgotten first. */
const REMEMBERED_RESULTS = 10_000;

export interface DeployCapabilityOptions {
  target: DeployTarget;
  maxFiles?: number;
  /** Total bytes of all file contents. */
  maxBytes?: number;
}

/** What the plugin gets back: the target's answer without anything else it may carry. */
function publicResult(result: DeployResult): DeployResult {
  const answer: DeployResult = { url: result.url, status: result.status };
  if (typeof result.version === 'number') answer.version = result.version;
  if (typeof result.id === 'string') answer.id = result.id;
  return answer;
}

/**
 * `ctx.deploy.publish({ name, files, target })`: checks the files (relative paths without `..`, no
 * duplicates, no path both a file and a folder, count and size caps) and the target (`local`
 * unless `platform` is asked for), then calls the hosting target with the call's idempotency key.
 * A re-run of the same step (same idempotency key and call number) gets the first call's result,
 * and a concurrent duplicate waits for it, instead of publishing twice. That memory is per
 * process: a target that must survive restarts deduplicates on `request.key` itself.
 *
 * @example
 * const deploy = createDeployCapability({ target: createMemoryDeployTarget() });
 */
export function createDeployCapability(options: DeployCapabilityOptions): CapabilityHandler {
  const limits = { maxFiles: options.maxFiles ?? DEFAULT_MAX_FILES, maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES };
  const results = new Map<string, Promise<DeployResult>>();
  return async (method, args, context) => {
    if (method !== 'publish') throw unknownMethod('deploy', method);
    const request = validatePublishRequest(args[0], limits);
    const key = callKey(context, 'deploy.publish');
    const earlier = results.get(key);
    if (earlier !== undefined) return earlier;
    const pending = Promise.resolve().then(async () => publicResult(await options.target.publish(context, { ...request, key })));
    results.set(key, pending);
    if (results.size > REMEMBERED_RESULTS) results.delete(results.keys().next().value as string);
    try {
      return await pending;
    } catch (error) {
      // A failed publish may be retried by a re-run.
      results.delete(key);
      throw error;
    }
  };
}
