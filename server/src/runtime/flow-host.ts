import {
  NexusError,
  createRegistry,
  createSandboxPool,
  createSessionRuntime,
  type ChannelPort,
  type CreditLedger,
  type DeployTarget,
  type FlowDocument,
  type LoadedPlugin,
  type SandboxPool,
  type SessionRuntime,
} from '@nexusflow/engine';
import {
  composeCapabilities,
  countTokens,
  createBillingCapability,
  createChannelCapability,
  createDeployCapability,
  createHttpCapability,
  createKvCapability,
  createLlmCapability,
  createMemoryCapability,
  createMemoryDeployTarget,
  createSecretsCapability,
  type RateTable,
} from '@nexusflow/nodes';
import type { Logger } from 'pino';
import type { ServerMetrics } from '../observability/metrics.js';
import { sessionStoreOf, type Store } from '../store/types.js';
import type { KillSwitch } from './kill-switch.js';
import type { LlmSetup } from './llm-setup.js';
import { createPluginRegistries, type PluginRegistries } from './plugin-registry.js';
import { createServerChannel, type OutboundRouter } from './server-channel.js';
import type { SessionEvents } from './session-events.js';
import { createTestSessions, type TestSessions } from './test-sessions.js';
import { createTraceRecorder } from './trace-recorder.js';

export interface FlowHostOptions {
  store: Store;
  events: SessionEvents;
  metrics: ServerMetrics;
  logger: Logger;
  llm: LlmSetup;
  rates: RateTable;
  corePlugin: LoadedPlugin;
  /** Plugins every workspace gets besides the core one (e.g. the examples' plugin on the demo). */
  extraPlugins?: LoadedPlugin[];
  sandboxWorkers: number;
  kill: KillSwitch;
  now?: () => number;
  /** Reuse a sandbox pool (tests). */
  sandbox?: SandboxPool;
  /** Where core/deploy publishes (the server's hosting targets); default: a target that only records. */
  deployTarget?: DeployTarget;
}

/** The engine, wired to the server's stores: sessions run here. */
export interface FlowHost {
  runtime: SessionRuntime;
  registries: PluginRegistries;
  sandbox: SandboxPool;
  /** Studio test chats: drafts run in memory, for the person editing them. */
  tests: TestSessions;
  /** The document of a published version (cached: versions never change); undefined when it is gone. */
  versionDocument(workspaceId: string, versionId: string): Promise<FlowDocument | undefined>;
  /** Drops the cached flow documents (a process published, or Redis notices may have been missed). */
  forgetFlows(): void;
  /** Where replies go besides the transcript (the channel hub, once built). */
  setOutbound(router: OutboundRouter): void;
  /** Stops taking turns, waits for the running ones, flushes traces, stops the sandbox. */
  close(): Promise<void>;
}

/** Ledger wrapper: crash point after a hold (B-06) and the credits-charged metric. */
function observedLedger(ledger: CreditLedger, kill: KillSwitch, metrics: ServerMetrics): CreditLedger {
  return {
    balance: (ws) => ledger.balance(ws),
    async hold(ws, key, amount, options) {
      const result = await ledger.hold(ws, key, amount, options);
      if (result.ok) kill.reach('after-hold');
      return result;
    },
    async settle(holdId, amount, meta) {
      const result = await ledger.settle(holdId, amount, meta);
      metrics.creditsCharged.inc({ workspace_kind: 'all' }, result.charged);
      return result;
    },
    release: (holdId) => ledger.release(holdId),
    adjust: (ws, key, kind, amount, meta) => ledger.adjust(ws, key, kind, amount, meta),
    entries: (ws) => ledger.entries(ws),
  };
}

/**
 * Builds the session runtime over the server's stores: sessions resolve to the flow version they
 * are pinned to, plugin steps run in the sandbox pool, capabilities reach the stores, replies go
 * to the transcript and to listeners, trace events are stored and broadcast.
 */
export function createFlowHost(options: FlowHostOptions): FlowHost {
  const { store, events, logger } = options;
  const now = options.now ?? Date.now;
  const sandbox = options.sandbox ?? createSandboxPool({ size: options.sandboxWorkers });
  const registries = createPluginRegistries({ store, core: options.corePlugin, ...(options.extraPlugins === undefined ? {} : { extra: options.extraPlugins }) });
  const workspaceOfSession = new Map<string, string>();
  const versionCache = new Map<string, FlowDocument>();
  const trace = createTraceRecorder({ store, events, metrics: options.metrics, logger, workspaceOf: (id) => workspaceOfSession.get(id) });
  let outbound: OutboundRouter | undefined;
  const channel = createServerChannel({ store, events, now, kill: options.kill, outbound: () => outbound });
  const ledger = observedLedger(store.ledger, options.kill, options.metrics);
  const deployTarget = options.deployTarget ?? createMemoryDeployTarget();

  async function versionDocument(workspaceId: string, versionId: string): Promise<FlowDocument | undefined> {
    const cached = versionCache.get(versionId);
    if (cached !== undefined) return cached;
    const document = (await store.versions.get(workspaceId, versionId))?.document;
    if (document !== undefined) {
      versionCache.set(versionId, document);
      if (versionCache.size > 1000) versionCache.delete(versionCache.keys().next().value as string);
    }
    return document;
  }

  // One set of capabilities per channel: conversations write transcripts, studio tests only talk.
  const capabilitiesFor = (port: ChannelPort) =>
    composeCapabilities({
      llm: createLlmCapability({ ledger, rates: options.rates, connections: (_ws, provider) => options.llm.connection(provider), channel: port, countTokens, now }),
      billing: createBillingCapability({ ledger, rates: options.rates }),
      memory: createMemoryCapability({ history: store.history }),
      kv: createKvCapability(store.kv),
      secrets: createSecretsCapability(store.secrets),
      channel: createChannelCapability(port),
      http: createHttpCapability(),
      deploy: createDeployCapability({ target: deployTarget }),
    });
  const capabilities = capabilitiesFor(channel);

  const runtime = createSessionRuntime({
    // Every session resolves its workspace's registry; this one only serves sessions that do not.
    registry: createRegistry({ plugins: [options.corePlugin] }),
    store: sessionStoreOf(store),
    sandbox,
    capabilities,
    clock: { now },
    trace,
    async resolve(sessionKey) {
      const session = await store.sessions.byId(sessionKey);
      if (session === undefined) throw new NexusError('session_unrecoverable', `session ${sessionKey} does not exist`);
      workspaceOfSession.set(session.id, session.workspaceId);
      if (workspaceOfSession.size > 100_000) workspaceOfSession.delete(workspaceOfSession.keys().next().value as string);
      let flow = await versionDocument(session.workspaceId, session.versionId);
      if (flow === undefined) {
        // The pinned version is gone (C-05): move to the deployment's live version. The engine
        // then keeps the position if that version has the node, or tells the person and starts
        // again at the trigger.
        const deployment = await store.deployments.get(session.workspaceId, session.deploymentId);
        flow = deployment === undefined ? undefined : await versionDocument(session.workspaceId, deployment.versionId);
        if (deployment === undefined || flow === undefined) throw new NexusError('session_unrecoverable', `the flow version of session ${sessionKey} no longer exists; reset the conversation`);
        await store.sessions.setVersion(session.workspaceId, session.id, deployment.versionId);
        logger.warn({ sessionId: session.id, missingVersionId: session.versionId, versionId: deployment.versionId }, 'the flow version of a conversation is gone; it moves to the live version');
      }
      return {
        workspaceId: session.workspaceId,
        flow,
        contact: { id: session.contactId, channel: session.channel },
        registry: await registries.forWorkspace(session.workspaceId),
      };
    },
  });

  const tests = createTestSessions({ events, registries, sandbox, capabilities: capabilitiesFor, corePlugin: options.corePlugin, now });

  return {
    runtime,
    registries,
    sandbox,
    tests,
    versionDocument,
    forgetFlows() {
      versionCache.clear();
    },
    setOutbound(router) {
      outbound = router;
    },
    async close() {
      await tests.close();
      await runtime.close();
      await trace.flush();
      if (options.sandbox === undefined) await sandbox.close();
    },
  };
}
