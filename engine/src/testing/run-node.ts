import type { ValidationIssue } from '@nexusflow/schemas';
import { NexusError } from '../errors.js';
import { compileNode } from '../compile/compile-flow.js';
import { createRegistry } from '../plugins/registry.js';
import type { LoadedPlugin } from '../plugins/types.js';
import { runStep, type StepSandbox } from '../session/run-step.js';
import type { ChatMessage, Contact, SessionContext } from '../session/types.js';
import { testCapabilityContext } from './capability-context.js';
import { fakeCapabilities, type FakeCapabilities } from './fake-capabilities.js';
import { testSandbox } from './test-sandbox.js';

export interface RunNodeOptions {
  plugin: LoadedPlugin;
  type: string;
  config?: Record<string, unknown>;
  message?: ChatMessage;
  vars?: Record<string, unknown>;
  contact?: Contact;
  capabilities?: FakeCapabilities;
  workspaceId?: string;
  /** Defaults to a pool shared by the test process. */
  sandbox?: StepSandbox;
}

export interface RunNodeResult {
  port: string;
  output?: unknown;
  vars?: Record<string, unknown>;
}

function formatIssues(issues: ValidationIssue[]): string {
  return issues.map((i) => `${i.pointer}: ${i.message}`).join('; ');
}

/**
 * Runs one plugin node in a real isolate, with fake capabilities, exactly as a flow step would:
 * config checked against the node's schema, templates rendered, output checked.
 * Resolves with the port taken; rejects with a NexusError carrying the step's error code.
 *
 * @example
 * const result = await runNode({ plugin, type: 'acme/sentiment', message: { text: 'great!' } });
 * expect(result.port).toBe('positive');
 */
export async function runNode(options: RunNodeOptions): Promise<RunNodeResult> {
  const info = createRegistry({ plugins: [options.plugin] }).get(options.type);
  if (info === undefined || info.kind !== 'plugin') {
    throw new NexusError('unknown_node_type', `plugin ${options.plugin.manifest.name} has no node type ${options.type}`);
  }
  const config = options.config ?? {};
  const issues = info.validateConfig(config, '/config');
  if (issues.length > 0) throw new NexusError('flow_invalid', `config of ${options.type} is not valid: ${formatIssues(issues)}`);
  const node = compileNode({ id: 'node', type: options.type, position: { x: 0, y: 0 }, config }, 0, info, true);
  const contact = options.contact ?? { id: 'test-contact' };
  const scope: SessionContext = { message: options.message ?? null, vars: options.vars ?? {}, nodes: {}, contact };
  const outcome = await runStep(
    node,
    scope,
    testCapabilityContext({
      workspaceId: options.workspaceId ?? 'test-workspace',
      sessionKey: 'test-session',
      contact,
      nodeId: node.id,
      nodeType: node.type,
      plugin: options.plugin.manifest.name,
    }),
    { sandbox: options.sandbox ?? testSandbox(), capabilities: fakeCapabilities(options.capabilities ?? {}) },
  );
  if (!outcome.ok) throw new NexusError(outcome.error.code, outcome.error.message);
  const result: RunNodeResult = { port: outcome.port };
  if (outcome.output !== undefined) result.output = outcome.output;
  if (outcome.vars !== undefined) result.vars = outcome.vars;
  return result;
}
