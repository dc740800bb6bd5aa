import { BRANCH, END, TRIGGER, WAIT, type NodeTypeInfo, type NodeTypeRegistry } from '@nexusflow/engine';
import type { JsonSchema } from '@nexusflow/schemas';
import type { RouteSpec } from '../route-spec.js';

/** What the editor's palette shows and its config forms are drawn from, for one node type. */
export interface PaletteEntry {
  type: string;
  plugin: string;
  pluginVersion?: string;
  kind: 'native' | 'plugin';
  title: string;
  description: string;
  category: string;
  icon: string;
  /** Output ports for an empty config; the implicit `error` port is not listed. */
  ports: string[];
  /** True when the ports follow the config (a branch has one port per condition). */
  dynamicPorts: boolean;
  config: JsonSchema;
  capabilities: string[];
  limits?: { timeoutMs?: number; memoryMb?: number };
}

const EMPTY_CONFIG: JsonSchema = { type: 'object', additionalProperties: false, properties: {} };
const PORT = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]{0,63}$' };

/** The engine-native types carry no manifest: their palette text lives here. */
const NATIVE: Record<string, Omit<PaletteEntry, 'type' | 'plugin' | 'kind' | 'ports' | 'capabilities'>> = {
  [TRIGGER]: {
    title: 'Start',
    description: 'Where a conversation begins: each new message enters the flow here (unless the conversation waits at a "Wait for reply" node).',
    category: 'flow',
    icon: 'play',
    dynamicPorts: false,
    config: EMPTY_CONFIG,
  },
  [WAIT]: {
    title: 'Wait for reply',
    description: "Pauses the conversation until the contact's next message, then continues from here.",
    category: 'flow',
    icon: 'hourglass',
    dynamicPorts: false,
    config: EMPTY_CONFIG,
  },
  [BRANCH]: {
    title: 'Branch',
    description: 'Checks conditions in order (JSONata expressions over message, vars, nodes and contact) and leaves through the port of the first that holds, else through the fallback port ("else" unless renamed).',
    category: 'flow',
    icon: 'git-branch',
    dynamicPorts: true,
    config: {
      type: 'object',
      additionalProperties: false,
      required: ['conditions'],
      properties: {
        conditions: {
          type: 'array',
          title: 'Conditions, checked in order',
          maxItems: 50,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['port', 'when'],
            properties: { port: { ...PORT, title: 'Port' }, when: { type: 'string', title: 'When (JSONata)', minLength: 1, maxLength: 4000 } },
          },
        },
        otherwise: { ...PORT, title: 'Fallback port', default: 'else' },
      },
    },
  },
  [END]: {
    title: 'End',
    description: 'Ends the run here; the next message starts again at the Start node.',
    category: 'flow',
    icon: 'square',
    dynamicPorts: false,
    config: EMPTY_CONFIG,
  },
};

function paletteEntry(info: NodeTypeInfo): PaletteEntry {
  const plugin = info.plugin?.manifest;
  const manifest = info.manifest;
  const native = NATIVE[info.type];
  const entry: PaletteEntry = {
    type: info.type,
    plugin: plugin?.name ?? info.type.split('/')[0] ?? '',
    kind: info.kind,
    title: manifest?.title ?? native?.title ?? info.type,
    description: manifest?.description ?? native?.description ?? '',
    category: manifest?.category ?? native?.category ?? 'other',
    icon: manifest?.icon ?? native?.icon ?? 'box',
    ports: info.ports({}),
    dynamicPorts: native?.dynamicPorts ?? false,
    config: manifest?.config ?? native?.config ?? EMPTY_CONFIG,
    capabilities: [...(manifest?.capabilities ?? [])],
  };
  if (plugin !== undefined) entry.pluginVersion = plugin.version;
  if (manifest?.limits !== undefined) entry.limits = { ...manifest.limits };
  return entry;
}

/** Every node type of a registry, natives first, then plugin types in registration order. */
export function palette(registry: NodeTypeRegistry): PaletteEntry[] {
  return registry.types().flatMap((type) => {
    const info = registry.get(type);
    return info === undefined ? [] : [paletteEntry(info)];
  });
}

export const nodeTypeRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: '/workspaces/:workspaceId/node-types',
    summary: "The palette: every node type this workspace can use, with ports and config schema",
    tag: 'node-types',
    access: { kind: 'workspace', role: 'viewer', scope: 'read' },
    async handle({ ctx, workspaceId }) {
      return { items: palette(await ctx.host.registries.forWorkspace(workspaceId)) };
    },
  },
];
