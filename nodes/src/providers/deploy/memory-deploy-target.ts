import type { CapabilityContext, DeployTarget, DeployTargetName } from '@nexusflow/engine';
import type { DeployFile } from './validate-files.js';

export interface RecordedPublish {
  idempotencyKey: string;
  /** The call's key (`idempotencyKey` plus the call number). */
  key: string;
  workspaceId: string;
  name: string;
  target: DeployTargetName;
  files: DeployFile[];
  url: string;
}

/** A DeployTarget that only records, for tests and the terminal chat. */
export interface MemoryDeployTarget extends DeployTarget {
  readonly published: RecordedPublish[];
}

/**
 * Records every publish and answers `{ url: 'https://<name>.sites.test/', status: 'published',
 * version }`, the version counting the publishes of that name in that workspace.
 */
export function createMemoryDeployTarget(): MemoryDeployTarget {
  const published: RecordedPublish[] = [];
  return {
    published,
    async publish(context: CapabilityContext, request) {
      const url = `https://${request.name}.sites.test/`;
      const version = published.filter((p) => p.workspaceId === context.workspaceId && p.name === request.name).length + 1;
      published.push({
        idempotencyKey: context.idempotencyKey,
        key: request.key,
        workspaceId: context.workspaceId,
        name: request.name,
        target: request.target,
        files: request.files.map((f) => ({ path: f.path, content: f.content })),
        url,
      });
      return { url, status: 'published', version };
    },
  };
}
