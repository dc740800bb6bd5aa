import {
  checkPluginExports,
  compileFlow,
  createRegistry,
  createSandboxPool,
  toErrorInfo,
  type ChatMessage,
  type FlowDocument,
  type LoadedPlugin,
  type NodeTypeRegistry,
  type SandboxPool,
  type TurnResult,
} from '@nexusflow/engine';
import { loadCorePlugin } from '@nexusflow/nodes';
import { compareTurn, show, subsetMismatch } from './compare.js';
import { ConversationTestError, issuesError } from './errors.js';
import { openTestSession, type TestSession } from './session.js';
import {
  REPORT_FORMAT,
  type Conversation,
  type ConversationProgress,
  type ConversationReport,
  type ConversationResult,
  type ConversationsFile,
  type ConversationTurn,
  type Difference,
  type TurnActual,
  type TurnReport,
} from './types.js';
import { checkAgainstFlow, readJsonFile, validateConversations } from './validate.js';

export const DEFAULT_TURN_TIMEOUT_MS = 30_000;
export const MIN_TURN_TIMEOUT_MS = 100;
export const MAX_TURN_TIMEOUT_MS = 300_000;
/** The contact of a conversation that names none. */
export const DEFAULT_CONTACT = 'tester';
/** How long cleaning up after a timed-out turn may take before the run moves on. */
const CLOSE_GRACE_MS = 5_000;
/** Most time spent starting a sandbox worker before the first turn (a turn then waits for the rest). */
const WARM_UP_MS = 30_000;

export interface ConversationTestOptions {
  /** Path of the flow JSON; or give `flow`. */
  flowFile?: string;
  /** The parsed flow document; or give `flowFile`. */
  flow?: unknown;
  /** Path of the conversations JSON; or give `conversations`. */
  conversationsFile?: string;
  /** The parsed conversations document; or give `conversationsFile`. */
  conversations?: unknown;
  /** Extra plugins the flow uses; the core plugin is always loaded (pass one named `core` to replace it). */
  plugins?: readonly LoadedPlugin[];
  onProgress?: (event: ConversationProgress) => void;
  /** Most time one turn may take (default 30 000 ms, 100 to 300 000); a turn past it ends its conversation. */
  turnTimeoutMs?: number;
}

let corePlugin: Promise<LoadedPlugin> | undefined;

function loadCore(): Promise<LoadedPlugin> {
  corePlugin ??= loadCorePlugin().catch((error: unknown) => {
    corePlugin = undefined;
    throw error;
  });
  return corePlugin;
}

function checkOptions(options: ConversationTestOptions): number {
  const problems: string[] = [];
  if ((options.flowFile === undefined) === (options.flow === undefined)) problems.push('give exactly one of flowFile and flow');
  if ((options.conversationsFile === undefined) === (options.conversations === undefined)) {
    problems.push('give exactly one of conversationsFile and conversations');
  }
  const timeout = options.turnTimeoutMs ?? DEFAULT_TURN_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeout) || timeout < MIN_TURN_TIMEOUT_MS || timeout > MAX_TURN_TIMEOUT_MS) {
    problems.push(`turnTimeoutMs must be a whole number of milliseconds from ${MIN_TURN_TIMEOUT_MS} to ${MAX_TURN_TIMEOUT_MS}; got ${show(options.turnTimeoutMs)}`);
  }
  if (problems.length > 0) throw new ConversationTestError('options_invalid', `runConversationTests: ${problems.join('; ')}`);
  return timeout;
}

/** Everything checked before the first turn: the conversations, the plugins and the flow. */
async function prepare(options: ConversationTestOptions) {
  const conversationsSource = options.conversationsFile ?? 'the conversations document';
  const doc = options.conversationsFile !== undefined ? await readJsonFile(options.conversationsFile, 'conversations file') : options.conversations;
  const checked = validateConversations(doc);
  if (!checked.ok) throw issuesError('conversations_invalid', conversationsSource, 'conversations file', checked.issues);

  const extra = options.plugins ?? [];
  const plugins = extra.some((p) => p.manifest.name === 'core') ? [...extra] : [await loadCore(), ...extra];
  let registry: NodeTypeRegistry;
  try {
    registry = createRegistry({ plugins });
  } catch (error) {
    throw new ConversationTestError('plugin_invalid', toErrorInfo(error).message);
  }
  const flowSource = options.flowFile ?? 'the flow document';
  const flowDoc = options.flowFile !== undefined ? await readJsonFile(options.flowFile, 'flow file') : options.flow;
  const compiled = compileFlow(flowDoc, registry);
  if (!compiled.ok) throw issuesError('flow_invalid', flowSource, 'flow', compiled.issues);
  const crossIssues = checkAgainstFlow(checked.value, compiled.value);
  if (crossIssues.length > 0) {
    throw issuesError('conversations_invalid', conversationsSource, `conversations file for flow "${compiled.value.flow.id}"`, crossIssues);
  }
  return { file: checked.value, flow: compiled.value.flow, registry, plugins };
}

/** Settles within `ms`, or resolves `undefined` when the time is up. */
function within<T>(promise: Promise<T>, ms: number): Promise<{ value: T } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise.then((value) => ({ value })), timeout]).finally(() => clearTimeout(timer));
}

function userText(user: ConversationTurn['user']): string {
  return typeof user === 'string' ? user : typeof user.text === 'string' ? user.text : show(user);
}

/**
 * Ports taken in a turn, from its trace. A session parked on a wait node leaves it through `out`
 * when the turn's message arrives; the engine traces no step for that, so it is added here.
 */
function portsOf(session: TestSession, from: number, resumedAt: string | undefined): Record<string, string[]> {
  const ports: Record<string, string[]> = {};
  if (resumedAt !== undefined) ports[resumedAt] = ['out'];
  for (const event of session.trace.slice(from)) {
    const port = event.type === 'node.port' ? event.port : event.type === 'node.error' ? 'error' : undefined;
    if (port === undefined || !('nodeId' in event)) continue;
    (ports[event.nodeId] ??= []).push(port);
  }
  return ports;
}

async function varsOf(session: TestSession): Promise<Record<string, unknown>> {
  return structuredClone((await session.store.load(session.key))?.context.vars ?? {});
}

function changedVars(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return Object.keys(after).filter(
    (name) => !Object.hasOwn(before, name) || subsetMismatch(after[name], before[name], '') !== undefined || subsetMismatch(before[name], after[name], '') !== undefined,
  );
}

interface RunContext {
  flow: FlowDocument;
  registry: NodeTypeRegistry;
  sandbox: { current: SandboxPool };
  /** A new sandbox pool whose worker has started, so no turn pays for the start. */
  newSandbox: () => Promise<SandboxPool>;
  turnTimeoutMs: number;
  onProgress: ((event: ConversationProgress) => void) | undefined;
}

function llmDifferences(turn: ConversationTurn, session: TestSession, pointer: string): Omit<Difference, 'conversation' | 'turn'>[] {
  const usage = session.llmUsage();
  const scripted = turn.llm?.length ?? 0;
  const at = turn.llm === undefined ? pointer : `${pointer}/llm`;
  const replies = (n: number) => `${n} LLM repl${n === 1 ? 'y' : 'ies'}`;
  if (usage.beyondScript > 0) {
    return [
      {
        what: 'llm',
        pointer: at,
        expected: scripted,
        actual: usage.calls,
        message: `LLM script exhausted: the flow called the LLM ${usage.calls} time${usage.calls === 1 ? '' : 's'} but the turn scripts ${replies(scripted)}; add the missing replies to "llm"`,
      },
    ];
  }
  if (usage.unused > 0) {
    const used = scripted - usage.unused;
    return [
      {
        what: 'llm',
        pointer: `${pointer}/llm/${used}`,
        expected: scripted,
        actual: usage.calls,
        message: `${usage.unused} of ${replies(scripted)} not used: the flow called the LLM ${usage.calls} time${usage.calls === 1 ? '' : 's'} in this turn`,
      },
    ];
  }
  return [];
}

async function runConversation(conversation: Conversation, index: number, total: number, context: RunContext): Promise<ConversationResult> {
  const startedAt = performance.now();
  context.onProgress?.({ type: 'conversation.started', name: conversation.name, index, total });
  const flow: FlowDocument =
    conversation.variables === undefined ? context.flow : { ...context.flow, variables: { ...(context.flow.variables ?? {}), ...conversation.variables } };
  const session = await openTestSession({
    flow,
    registry: context.registry,
    sandbox: context.sandbox.current,
    contact: conversation.contact ?? DEFAULT_CONTACT,
  });
  const turns: TurnReport[] = [];
  let timedOut = false;
  let before: Record<string, unknown> = structuredClone(flow.variables ?? {});
  let parkedAt: string | undefined;
  try {
    for (const [t, turn] of conversation.turns.entries()) {
      const number = t + 1;
      const pointer = `/conversations/${index}/turns/${t}`;
      if (timedOut) {
        turns.push({ turn: number, user: userText(turn.user), passed: false, skipped: true, differences: [], durationMs: 0 });
        continue;
      }
      const turnStarted = performance.now();
      session.scriptTurn(turn.llm ?? []);
      const repliesFrom = session.delivered.length;
      const traceFrom = session.trace.length;
      const message: ChatMessage = typeof turn.user === 'string' ? { text: turn.user } : structuredClone(turn.user);
      const dispatched = session.runtime.dispatch(session.key, message).catch(
        (error: unknown): TurnResult => ({ status: 'failed', turn: number, steps: 0, error: toErrorInfo(error, 'plugin_error') }),
      );
      const outcome = await within(dispatched, context.turnTimeoutMs);
      const found: Omit<Difference, 'conversation' | 'turn'>[] = [];
      let actual: TurnActual;
      if (outcome === undefined) {
        timedOut = true;
        const left = conversation.turns.length - number;
        actual = {
          replies: session.delivered.slice(repliesFrom).map((d) => d.message),
          ports: portsOf(session, traceFrom, parkedAt),
          vars: {},
          changedVars: [],
          status: 'timeout',
          llmCalls: session.llmUsage().calls,
        };
        found.push({
          what: 'timeout',
          pointer,
          expected: `at most ${context.turnTimeoutMs} ms`,
          actual: 'still running',
          message: `the turn did not finish within ${context.turnTimeoutMs} ms (the per-turn timeout)${left > 0 ? `; the ${left} turn${left === 1 ? '' : 's'} after it were not run` : ''}`,
        });
      } else {
        const result = outcome.value;
        const vars = await varsOf(session);
        actual = {
          replies: session.delivered.slice(repliesFrom).map((d) => d.message),
          ports: portsOf(session, traceFrom, parkedAt),
          vars,
          changedVars: changedVars(before, vars),
          status: result.status,
          llmCalls: session.llmUsage().calls,
        };
        if (result.parkedAt !== undefined) actual.parkedAt = result.parkedAt;
        if (result.error !== undefined) actual.error = result.error;
        before = vars;
        parkedAt = result.parkedAt;
        found.push(...llmDifferences(turn, session, pointer));
        found.push(...compareTurn(turn.expect ?? {}, actual, `${pointer}/expect`));
      }
      const differences = found.map((d) => ({ conversation: conversation.name, turn: number, ...d }));
      const report: TurnReport = {
        turn: number,
        user: userText(turn.user),
        passed: differences.length === 0,
        skipped: false,
        differences,
        actual,
        durationMs: Math.round(performance.now() - turnStarted),
      };
      turns.push(report);
      context.onProgress?.({ type: 'turn.finished', conversation: conversation.name, turn: number, passed: report.passed });
    }
  } finally {
    if (timedOut) {
      // The stuck turn holds the pool's only worker: stop it (its step ends as interrupted) and go on with a new pool.
      const stuck = context.sandbox.current;
      await within(stuck.close(), CLOSE_GRACE_MS);
      // Workers start on demand: warm the new pool only when a conversation will use it.
      context.sandbox.current = index < total - 1 ? await context.newSandbox() : createSandboxPool({ size: 1 });
    }
    await within(session.runtime.close(), timedOut ? CLOSE_GRACE_MS : 60_000);
    await session.close();
  }
  const differences = turns.flatMap((t) => t.differences);
  const result: ConversationResult = {
    name: conversation.name,
    index,
    passed: turns.every((t) => t.passed),
    turns,
    differences,
    durationMs: Math.round(performance.now() - startedAt),
  };
  context.onProgress?.({ type: 'conversation.finished', result });
  return result;
}

/**
 * Replays recorded conversations against a flow and reports every difference. Each conversation
 * runs on a fresh session (fresh stores, channel, ledger and memory) with the real core plugin, a
 * real sandbox pool (one worker, closed at the end) and the real LLM capability pointed at a local
 * fake LLM server scripted per turn. Bad input (the conversations file, the flow, a plugin) throws
 * a `ConversationTestError` before anything runs; failed expectations are in the report.
 *
 * @example
 * const report = await runConversationTests({ flowFile: 'flows/faq.json', conversationsFile: 'faq.conversations.json' });
 * console.log(formatReport(report));
 * process.exitCode = report.passed ? 0 : 1;
 */
export async function runConversationTests(options: ConversationTestOptions): Promise<ConversationReport> {
  const startedAt = performance.now();
  const turnTimeoutMs = checkOptions(options);
  const { file, flow, registry, plugins } = await prepare(options);
  const core = plugins.find((p) => p.manifest.name === 'core');
  const newSandbox = async (): Promise<SandboxPool> => {
    const pool = createSandboxPool({ size: 1 });
    // Starting the worker takes a while; do it here rather than inside the first timed turn.
    if (core !== undefined) await within(pool.listExports(core.code).catch(() => []), WARM_UP_MS);
    return pool;
  };
  const sandbox = { current: await newSandbox() };
  const conversations: ConversationResult[] = [];
  try {
    for (const plugin of plugins) {
      if (plugin.manifest.name === 'core') continue;
      const issues = await checkPluginExports(plugin, sandbox.current);
      if (issues.length > 0) throw issuesError('plugin_invalid', `plugin ${plugin.manifest.name}`, 'plugin bundle for its plugin.json', issues);
    }
    const context: RunContext = { flow, registry, sandbox, newSandbox, turnTimeoutMs, onProgress: options.onProgress };
    for (const [index, conversation] of file.conversations.entries()) {
      conversations.push(await runConversation(conversation, index, file.conversations.length, context));
    }
  } finally {
    await sandbox.current.close();
  }
  return buildReport(file, flow, conversations, Math.round(performance.now() - startedAt));
}

function buildReport(file: ConversationsFile, flow: FlowDocument, conversations: ConversationResult[], durationMs: number): ConversationReport {
  const passed = conversations.filter((c) => c.passed).length;
  return {
    format: REPORT_FORMAT,
    flow: { id: flow.id, name: flow.name },
    passed: passed === conversations.length,
    conversations,
    totals: {
      conversations: file.conversations.length,
      passed,
      failed: conversations.length - passed,
      turns: conversations.reduce((sum, c) => sum + c.turns.length, 0),
      differences: conversations.reduce((sum, c) => sum + c.differences.length, 0),
    },
    durationMs,
  };
}
