/** A JSON Schema (2020-12) object, as written in a plugin manifest. */
export type JsonSchema = Record<string, unknown>;

/** Capability names a node may declare; `http:<host>` allows outbound HTTP to that host only. */
export const CAPABILITIES = ['llm', 'memory', 'billing', 'channel', 'kv', 'deploy', 'secrets'] as const;
export type CapabilityName = (typeof CAPABILITIES)[number] | `http:${string}`;

export interface NodeLimits {
  /** Wall-clock budget of one step, in milliseconds. */
  timeoutMs?: number;
  /** Heap limit of the isolate that runs the node, in MiB. */
  memoryMb?: number;
}

/** One node type as declared in `plugin.json`. */
export interface NodeManifest {
  type: string;
  title: string;
  description?: string;
  category?: string;
  icon?: string;
  /** Output ports; the implicit `error` port is never listed. */
  ports: string[];
  /** JSON Schema of the node's config; also draws the editor's form. */
  config: JsonSchema;
  capabilities: CapabilityName[];
  limits?: NodeLimits;
}

/** `plugin.json`: a plugin folder's manifest. */
export interface PluginManifest {
  name: string;
  version: string;
  description?: string;
  /** Semver range of engine versions the plugin supports. */
  engine?: string;
  /** The one bundled JavaScript file, relative to the plugin folder. */
  main: string;
  nodes: NodeManifest[];
}
