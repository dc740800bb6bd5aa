import type { CapabilityContext, DeployTarget } from '@nexusflow/engine';
import type { DeployFile } from './validate-files.js';

export interface RecordedPublish {
  idempotencyKey: string;
  workspaceId: string;
  name: string;
  files: DeployFile[];
  url: string;
}

/** A DeployTarget that only records, for tests and the terminal chat. */
export interface MemoryDeployTarget extends DeployTarget {
  readonly published: RecordedPublish[];
}

/** Records every publish and answers `{ url: 'https://<name>.sites.test/', status: 'published' }`. */
export function createMemoryDeployTarget(): MemoryDeployTarget {
  const published: RecordedPublish[] = [];
  return {
    published,
    async publish(context: CapabilityContext, request) {
      const url = `https://${request.name}.sites.test/`;
      published.push({
        idempotencyKey: context.idempotencyKey,
        workspaceId: context.workspaceId,
        name: request.name,
        files: request.files.map((f) => ({ path: f.path, content: f.content })),
        url,
      });
      return { url, status: 'published' };
    },
  };
}
