import { defineNode } from '@nexusflow/engine/sdk';

export interface DeployConfig {
  /** Site name, e.g. `{{ vars.slug }}`. */
  name: string;
  /** A template yielding `[{ path, content }]`, e.g. `{{ nodes.gen.output.json.files }}`. */
  files: { path: string; content: string }[] | string;
}

/**
 * Publishes files as a site through the workspace's hosting target; output `{ url, status }`.
 * Paths, sizes and duplicates are checked by the host, whose refusals leave through the error port.
 */
export const deploy = defineNode<DeployConfig, 'out', 'deploy'>({
  async run({ config }, ctx) {
    if (!Array.isArray(config.files)) {
      // A template that rendered to text (not one whole `{{ }}` expression) lands here.
      throw new Error('core/deploy: files must be an array of { path, content }; use one template such as {{ nodes.gen.output.json.files }}');
    }
    const { url, status } = await ctx.deploy.publish({ name: config.name, files: config.files });
    return { port: 'out', output: { url, status } };
  },
});
