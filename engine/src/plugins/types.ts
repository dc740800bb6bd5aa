import type { NodeManifest, PluginManifest, ValidationIssue } from '@nexusflow/schemas';
import type { SandboxCode } from '../sandbox/types.js';

/** A plugin folder that passed every load-time check. */
export interface LoadedPlugin {
  manifest: PluginManifest;
  code: SandboxCode;
  /** Folder it was loaded from, when it came from disk. */
  dir?: string;
}

/** What validation, the compiler and the runtime need to know about one node type. */
export interface NodeTypeInfo {
  type: string;
  /** `native` types run inside the engine; `plugin` types run in the sandbox. */
  kind: 'native' | 'plugin';
  /** Output ports for a node with this config, without the implicit `error` port. */
  ports(config: Record<string, unknown>): string[];
  /** Checks a node's config against the type's config schema; pointers are prefixed with `pointer`. */
  validateConfig(config: unknown, pointer: string): ValidationIssue[];
  /** Config strings that are code or data and must not be read as `{{ }}` templates. */
  rawConfigKeys?: readonly string[];
  manifest?: NodeManifest;
  plugin?: LoadedPlugin;
}

/** Resolves node type ids. A type that is not registered does not exist, at import and at run time. */
export interface NodeTypeRegistry {
  get(type: string): NodeTypeInfo | undefined;
  types(): string[];
  /** Installed plugins by name, for checking a flow's `plugins` ranges. */
  plugin(name: string): LoadedPlugin | undefined;
}
