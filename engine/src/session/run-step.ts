import { NexusError, toErrorInfo, type ErrorInfo } from '../errors.js';
import type { CompiledNode } from '../compile/compile-flow.js';
import { evaluateExpression, type EvaluationLimits } from '../expressions/index.js';
import { BRANCH, END, TRIGGER, WAIT, branchPorts, type BranchConfig } from '../nodes/native-types.js';
import type { SandboxRunRequest, SandboxRunResult } from '../sandbox/types.js';
import type { CapabilityContext, CapabilityProvider, SessionContext } from './types.js';
import { isCallDeclared } from './capability-check.js';
import { checkVarsPatch } from './vars.js';

/** The part of the sandbox pool a runtime needs. */
export interface StepSandbox {
  run(request: SandboxRunRequest): Promise<SandboxRunResult>;
}

export type StepOutcome =
  | { ok: true; port: string; output?: unknown; vars?: Record<string, unknown>; end?: boolean }
  | { ok: false; error: ErrorInfo };

export interface StepEnvironment {
  sandbox: StepSandbox;
  capabilities: CapabilityProvider;
  expressionLimits?: Partial<EvaluationLimits>;
}

/** Limits a plugin node gets when its manifest is silent. */
export const DEFAULT_NODE_LIMITS = { timeoutMs: 5_000, memoryMb: 64 } as const;

function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(isTruthy);
  return Boolean(value);
}

/** Where a failed expression sits in the flow document, so the editor can point at it. */
function expressionFailure(node: CompiledNode, error: unknown, at: string): StepOutcome {
  const info = toErrorInfo(error, 'expression_failed');
  return { ok: false, error: { ...info, pointer: `/nodes/${node.index}/config${at}${info.pointer ?? ''}` } };
}

async function runBranch(node: CompiledNode, scope: SessionContext, limits?: Partial<EvaluationLimits>): Promise<StepOutcome> {
  const { conditions } = node.config as unknown as BranchConfig;
  for (const [index, condition] of conditions.entries()) {
    let holds: unknown;
    try {
      holds = await evaluateExpression(condition.when, scope, limits);
    } catch (error) {
      return expressionFailure(node, error, `/conditions/${index}/when`);
    }
    if (isTruthy(holds)) return { ok: true, port: condition.port, output: { matched: index } };
  }
  const ports = branchPorts(node.config);
  return { ok: true, port: ports[ports.length - 1] as string, output: { matched: null } };
}

function resolvePort(node: CompiledNode, port: unknown): StepOutcome | string {
  if (port === undefined && node.ports.length === 1) return node.ports[0] as string;
  if (typeof port === 'string' && node.ports.includes(port)) return port;
  const declared = node.ports.map((p) => `"${p}"`).join(', ') || 'none';
  return {
    ok: false,
    error: {
      code: 'invalid_port',
      message: `${node.type} returned port ${JSON.stringify(port) ?? 'undefined'}, which node "${node.id}" does not have (ports: ${declared})`,
    },
  };
}

async function runPlugin(
  node: CompiledNode,
  scope: SessionContext,
  capabilityContext: CapabilityContext,
  env: StepEnvironment,
): Promise<StepOutcome> {
  const { plugin, manifest } = node.info;
  if (plugin === undefined || manifest === undefined) {
    return { ok: false, error: { code: 'plugin_not_found', message: `no plugin provides ${node.type}` } };
  }
  let config = node.config;
  if (node.render !== undefined) {
    try {
      config = (await node.render(scope, env.expressionLimits)) as Record<string, unknown>;
    } catch (error) {
      return expressionFailure(node, error, '');
    }
  }
  const declared = new Set<string>(manifest.capabilities);
  // One context object per attempt: providers number a step's calls per context, so a retried
  // attempt makes the same calls under the same idempotency keys.
  let attemptContext = { ...capabilityContext };
  const request: SandboxRunRequest = {
    workspaceId: capabilityContext.workspaceId,
    plugin: plugin.code,
    nodeType: node.type,
    input: { config, message: scope.message, vars: scope.vars, contact: scope.contact, node: { id: node.id, type: node.type } },
    limits: { ...DEFAULT_NODE_LIMITS, ...manifest.limits },
    capabilities: manifest.capabilities,
    onCapabilityCall: (call) => {
      // The sandbox checks this too; the host never trusts it alone.
      if (!isCallDeclared(call, declared)) {
        return Promise.reject(
          new NexusError('capability_not_declared', `capability_not_declared: ${call.capability} is not declared by ${node.type}`),
        );
      }
      return env.capabilities.invoke(call, attemptContext);
    },
  };
  let result = await env.sandbox.run(request);
  // A dead worker fails only its step; that step gets one more try on a fresh worker.
  if (!result.ok && result.error.code === 'sandbox_crashed') {
    attemptContext = { ...capabilityContext };
    result = await env.sandbox.run(request);
  }
  if (!result.ok) return { ok: false, error: stepError(result.error) };
  const port = resolvePort(node, result.value.port);
  if (typeof port !== 'string') return port;
  const varsProblem = checkVarsPatch(result.value.vars);
  if (varsProblem !== undefined) return { ok: false, error: { code: 'invalid_output', message: `${node.type}: ${varsProblem}` } };
  const outcome: StepOutcome = { ok: true, port };
  if (result.value.output !== undefined) outcome.output = result.value.output;
  if (result.value.vars !== undefined) outcome.vars = result.value.vars;
  return outcome;
}

const CAPABILITY_CODE = /^[a-z][a-z0-9_]{2,63}$/;

/**
 * A plugin that lets a capability error escape fails its step with that error's code (for example
 * `insufficient_credits`), so flows can branch on it; other thrown errors stay `plugin_error`.
 */
function stepError(error: { code: string; message: string; thrown?: { code?: string } }): ErrorInfo {
  const thrownCode = error.thrown?.code;
  if (error.code === 'plugin_error' && thrownCode !== undefined && CAPABILITY_CODE.test(thrownCode)) {
    return { code: thrownCode, message: error.message };
  }
  return { code: error.code, message: error.message };
}

/** Runs one node and reports the port it leaves through, or the error. Never throws. */
export async function runStep(
  node: CompiledNode,
  scope: SessionContext,
  capabilityContext: CapabilityContext,
  env: StepEnvironment,
): Promise<StepOutcome> {
  try {
    switch (node.type) {
      case TRIGGER:
      case WAIT:
        return { ok: true, port: 'out' };
      case END:
        return { ok: true, port: 'end', end: true };
      case BRANCH:
        return await runBranch(node, scope, env.expressionLimits);
      default:
        return await runPlugin(node, scope, capabilityContext, env);
    }
  } catch (error) {
    return { ok: false, error: toErrorInfo(error) };
  }
}
