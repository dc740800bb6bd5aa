export { FLOW_FORMAT } from '@nexusflow/schemas';
export type { FlowDocument, FlowEdge, FlowNode, PluginManifest, NodeManifest, ValidationIssue, Validated } from '@nexusflow/schemas';

export { NexusError, toErrorInfo, STEP_ERROR_CODES, ENGINE_ERROR_CODES } from './errors.js';
export type { EngineErrorCode, ErrorCode, ErrorInfo, StepErrorCode } from './errors.js';

export { checkFlow } from './validate/index.js';
export { compileFlow, compileFlowOrThrow } from './compile/compile-flow.js';
export type { CompiledFlow, CompiledNode } from './compile/compile-flow.js';
export { IDLE_STATE, FAILED_STATE } from './compile/build-machine.js';

export { evaluateExpression, checkExpression, checkTemplates, compileTemplates } from './expressions/index.js';
export type { EvaluationLimits, TemplateRenderer } from './expressions/index.js';

export { createPlugin, loadPluginFolder, pluginError } from './plugins/load-plugin.js';
export type { LoadPluginOptions } from './plugins/load-plugin.js';
export { buildPlugin, loadPluginFromSource } from './plugins/build-plugin.js';
export type { BuildPluginOptions, BuiltPlugin } from './plugins/build-plugin.js';
export { createRegistry } from './plugins/registry.js';
export { checkPluginExports } from './plugins/check-exports.js';
export { scaffoldPlugin } from './plugins/scaffold-plugin.js';
export type { LoadedPlugin, NodeTypeInfo, NodeTypeRegistry } from './plugins/types.js';
export { TRIGGER, WAIT, BRANCH, END } from './nodes/native-types.js';

export { createSandboxPool, DEFAULT_CALL_LIMITS, MAX_OUTPUT_BYTES } from './sandbox/index.js';
export type { SandboxPool, SandboxPoolOptions, SandboxPoolStats, SandboxWorkerStats } from './sandbox/index.js';
export type { CallLimits, CapabilityCall, SandboxCode, SandboxRunRequest, SandboxRunResult, ThrownInfo } from './sandbox/types.js';

export { createSessionRuntime, DEFAULT_STEP_BUDGET } from './session/runtime.js';
export { createKeyedQueue } from './session/keyed-queue.js';
export type { SessionRuntime, SessionRuntimeOptions } from './session/runtime.js';
export type { StepSandbox } from './session/run-step.js';
export { httpTargetOf } from './session/capability-check.js';
export { createMemorySessionStore } from './session/stores/memory-store.js';
export { createFileSessionStore } from './session/stores/file-store.js';
export type {
  CapabilityContext,
  CapabilityProvider,
  ChatMessage,
  Clock,
  Contact,
  ResolveSession,
  SessionContext,
  SessionRecord,
  SessionStore,
  SessionTarget,
  TraceEvent,
  TraceSink,
  TurnResult,
  TurnStatus,
} from './session/types.js';

export type {
  ChannelPort,
  ChannelStream,
  CreditHold,
  CreditLedger,
  DeployRequest,
  DeployResult,
  DeployTarget,
  DeployTargetName,
  HistoryStore,
  HoldResult,
  KvStore,
  LedgerEntry,
  LedgerEntryKind,
  SecretStore,
  SettleResult,
} from './ports/index.js';
export type { LlmMessage, OutboundMessage } from './sdk/index.js';
