import { defineNode } from '@nexusflow/engine/sdk';

export interface DeployConfig {
  /** Site name, e.g. `{{ vars.slug }}`. */
  name: string;
  /** A template yielding `[{ path, content }]`, e.g. `{{ nodes.gen.output.json.files }}`. */
  files: { path: string; content: string }[] | string;
  /** `local` (default): served by this server at once; `platform`: the configured hosting platform. */
  target?: 'local' | 'platform';
}

/**
 * Publishes files as a site through the workspace's hosting target; output `{ url, status, version? }`.
 * Paths, sizes, duplicates and the target are checked by the host, whose refusals (and a hosting
 * platform's failures) leave through the error port.
 */
export const deploy = defineNode<DeployConfig, 'out', 'deploy'>({
  async run({ config }, ctx) {
    if (!Array.isArray(config.files)) {
      // A template that rendered to text (not one whole `{{ }}` expression) lands here.
      throw new Error('core/deploy: files must be an array of { path, content }; use one template such as {{ nodes.gen.output.json.files }}');
    }
    const result = await ctx.deploy.publish({ name: config.name, files: config.files, target: config.target ?? 'local' });
    const output: { url: string; status: string; version?: number } = { url: result.url, status: result.status };
    if (result.version !== undefined) output.version = result.version;
    return { port: 'out', output };
  },
});
