import { NexusError, type DeployTarget } from '@nexusflow/engine';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/config.js';
import type { AppDeploymentRepository } from '../store/types.js';
import { createLocalTarget } from './local-target.js';
import { createPlatformApi } from './platform-api.js';
import { createPlatformTarget } from './platform-target.js';

export interface HostingTargets {
  local: DeployTarget;
  /** Absent when the server has no hosting platform configured. */
  platform?: DeployTarget;
}

/**
 * The server's DeployTarget: `deploy.publish({ target })` goes to the local or the platform target.
 * `platform` on a server without one fails the step with a sentence naming the settings to add.
 */
export function createHostingTarget(targets: HostingTargets): DeployTarget {
  return {
    publish(context, request) {
      if (request.target === 'local') return targets.local.publish(context, request);
      if (targets.platform === undefined) {
        return Promise.reject(
          new NexusError(
            'deploy_not_configured',
            'deploy.publish: target "platform" needs a hosting platform and this server has none; its administrator sets DEPLOY_PLATFORM_URL and DEPLOY_PLATFORM_TOKEN, or publish with target "local"',
          ),
        );
      }
      return targets.platform.publish(context, request);
    },
  };
}

export interface ServerHostingOptions {
  apps: AppDeploymentRepository;
  config: Pick<ServerConfig, 'dataDir' | 'deployPlatform'>;
  /** The address people reach this server at (known once it listens). */
  publicUrl: () => string;
  logger?: Logger;
}

/**
 * Both targets as the server configuration sets them up.
 *
 * @example
 * createFlowHost({ ..., deployTarget: createServerHosting({ apps: store.apps, config, publicUrl: () => url }) });
 */
export function createServerHosting(options: ServerHostingOptions): DeployTarget {
  const { apps, config } = options;
  const platform = config.deployPlatform;
  return createHostingTarget({
    local: createLocalTarget({ apps, dataDir: config.dataDir, publicUrl: options.publicUrl }),
    ...(platform === undefined
      ? {}
      : {
          platform: createPlatformTarget({
            apps,
            api: createPlatformApi({ url: platform.url, token: platform.token }),
            pollIntervalMs: platform.pollIntervalMs,
            timeoutMs: platform.timeoutMs,
            ...(options.logger === undefined ? {} : { logger: options.logger }),
          }),
        }),
  });
}
