import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPluginFromSource, type FlowDocument } from '@nexusflow/engine';
import {
  ConversationTestError,
  formatReport,
  formatReportJson,
  recordConversations,
  runConversationTests,
  validateConversations,
  type ConversationProgress,
  type ConversationsFile,
} from './index.js';

const examples = new URL('../../../../examples/flows/', import.meta.url);
const exampleFile = (name: string) => new URL(`${name}.json`, examples).pathname;
const example = async (name: string) => JSON.parse(await readFile(exampleFile(name), 'utf8')) as FlowDocument;

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'nexus-conversation-test-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Trigger → AI reply → wait → AI reply again, with memory; then a set that keeps the answer. */
const llmFlow: FlowDocument = {
  format: 'nexusflow/flow@1',
  id: 'ai-bot',
  name: 'AI bot',
  variables: { lastAnswer: null, tone: 'friendly' },
  nodes: [
    { id: 'start', type: 'core/trigger', position: { x: 0, y: 0 }, config: {} },
    {
      id: 'ai',
      type: 'core/llm',
      position: { x: 200, y: 0 },
      config: { provider: 'openai', model: 'gpt-4o-mini', system: 'You are a {{ vars.tone }} assistant for {{ contact.id }}.', memory: true },
    },
    { id: 'keep', type: 'core/set', position: { x: 400, y: 0 }, config: { vars: { lastAnswer: '{{ nodes.ai.output.text }}' } } },
    { id: 'listen', type: 'core/wait', position: { x: 600, y: 0 }, config: {} },
  ],
  edges: [
    { id: 'e1', source: 'start', port: 'out', target: 'ai' },
    { id: 'e2', source: 'ai', port: 'out', target: 'keep' },
    { id: 'e3', source: 'keep', port: 'out', target: 'listen' },
    { id: 'e4', source: 'listen', port: 'out', target: 'ai' },
  ],
} as FlowDocument;

describe('runConversationTests: passing conversations', () => {
  it('replays examples/flows/echo.json from files and passes every turn', async () => {
    const conversations = path.join(scratch, 'echo.conversations.json');
    await writeFile(
      conversations,
      JSON.stringify({
        format: 'nexusflow/conversations@1',
        conversations: [
          {
            name: 'echoes every message',
            turns: [
              { user: 'hello there', expect: { replies: ['You said: hello there'], ports: { start: 'out', echo: 'out' }, status: 'ended' } },
              { user: 'and again', expect: { replies: [{ contains: 'again' }], status: 'ended' } },
            ],
          },
          { name: 'echoes a regex-checked reply', contact: 'bob', turns: [{ user: 'Ping', expect: { replies: [{ matches: '^you said: ping$', flags: 'i' }] } }] },
        ],
      }),
    );
    const progress: ConversationProgress[] = [];
    const report = await runConversationTests({ flowFile: exampleFile('echo'), conversationsFile: conversations, onProgress: (e) => progress.push(e) });
    expect(report.passed).toBe(true);
    expect(report.flow).toEqual({ id: 'echo-bot', name: 'Echo bot' });
    expect(report.totals).toEqual({ conversations: 2, passed: 2, failed: 0, turns: 3, differences: 0 });
    expect(report.conversations[0]!.turns[0]!.actual).toMatchObject({
      replies: [{ text: 'You said: hello there' }],
      ports: { start: ['out'], echo: ['out'] },
      status: 'ended',
      llmCalls: 0,
    });
    expect(progress.map((e) => e.type)).toEqual([
      'conversation.started',
      'turn.finished',
      'turn.finished',
      'conversation.finished',
      'conversation.started',
      'turn.finished',
      'conversation.finished',
    ]);
    const text = formatReport(report);
    expect(text).toContain('Conversation tests of "Echo bot" (echo-bot)');
    expect(text).toContain('✓ echoes every message (2 turns)');
    expect(text).toContain('✓ echoes a regex-checked reply (1 turn)');
    expect(text).toMatch(/PASS: 2 of 2 conversations passed, 0 failed; 3 turns, 0 differences/);
  }, 60_000);

  it('replays a core/llm flow against scripted LLM replies: replies, memory, vars, ports, parking', async () => {
    const report = await runConversationTests({
      flow: llmFlow,
      conversations: {
        format: 'nexusflow/conversations@1',
        conversations: [
          {
            name: 'greets and answers pricing',
            contact: 'alice',
            turns: [
              {
                user: 'hi',
                llm: ['Hello! How can I help?'],
                expect: {
                  replies: ['Hello! How can I help?'],
                  ports: { ai: 'out', keep: 'out' },
                  vars: { lastAnswer: 'Hello! How can I help?', tone: 'friendly' },
                  status: 'parked',
                  parkedAt: 'listen',
                },
              },
              {
                user: 'How much is it?',
                llm: [{ text: 'Plans start at $19 a month.' }],
                expect: { replies: [{ contains: '$19' }], ports: { listen: 'out', ai: 'out', start: null }, vars: { lastAnswer: 'Plans start at $19 a month.' } },
              },
            ],
          },
          {
            name: 'uses the initial variables of the conversation',
            variables: { tone: 'formal' },
            turns: [{ user: 'good day', llm: ['Good day to you.'], expect: { replies: ['Good day to you.'], vars: { tone: 'formal' }, parkedAt: 'listen' } }],
          },
        ],
      },
    });
    expect(formatReport(report)).not.toContain('✗');
    expect(report.passed).toBe(true);
    expect(report.totals).toEqual({ conversations: 2, passed: 2, failed: 0, turns: 3, differences: 0 });
    expect(report.conversations[0]!.turns.map((t) => t.actual?.llmCalls)).toEqual([1, 1]);
    expect(report.conversations[0]!.turns[1]!.actual?.changedVars).toEqual(['lastAnswer']);
  }, 60_000);
});

describe('runConversationTests: plugins', () => {
  it('loads extra plugins next to core and gives every conversation fresh stores (kv)', async () => {
    const acme = await loadPluginFromSource(new URL('../../../../examples/plugins/acme', import.meta.url).pathname);
    const visits = (name: string) => ({
      name,
      turns: [
        { user: 'hello', expect: { replies: ['Welcome! Tell me how your day is going.'], ports: { visits: 'first', mood: null } } },
        { user: 'great, thanks!', expect: { replies: ['Glad to hear it! (visit 2)'], ports: { visits: 'returning', mood: 'positive' }, vars: { visits: 2 } } },
      ],
    });
    const report = await runConversationTests({
      flowFile: exampleFile('mood'),
      plugins: [acme],
      conversations: { format: 'nexusflow/conversations@1', conversations: [visits('first visitor'), visits('a fresh session starts counting again')] },
    });
    expect(formatReport(report)).toContain('✓ a fresh session starts counting again (2 turns)');
    expect(report.totals).toEqual({ conversations: 2, passed: 2, failed: 0, turns: 4, differences: 0 });
    const missing = await runConversationTests({ flowFile: exampleFile('mood'), conversations: { format: 'nexusflow/conversations@1', conversations: [visits('x')] } }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'flow_invalid', message: expect.stringContaining('mood.json is not a valid flow') as unknown });
  }, 60_000);
});

describe('README.md', () => {
  it('documents a conversations file that validates and passes against the AI bot flow', async () => {
    const readme = await readFile(new URL('README.md', import.meta.url), 'utf8');
    const block = /```json\n([\s\S]*?)\n```/.exec(readme)?.[1];
    const doc = JSON.parse(block ?? 'null') as ConversationsFile;
    expect(validateConversations(doc).ok).toBe(true);
    const report = await runConversationTests({ flow: llmFlow, conversations: doc });
    expect(report.totals).toEqual({ conversations: 1, passed: 1, failed: 0, turns: 3, differences: 0 });
    expect(report.conversations[0]!.turns[2]!.actual).toMatchObject({ status: 'failed', error: { code: 'llm_server_error' }, ports: { listen: ['out'], ai: ['error'] } });
  }, 60_000);
});

describe('runConversationTests: providers', () => {
  it('scripts an Anthropic model whose reply is streamed to the channel', async () => {
    const anthropicFlow = structuredClone(llmFlow);
    anthropicFlow.id = 'claude-bot';
    anthropicFlow.nodes[1]!.config = { provider: 'anthropic', model: 'claude-sonnet-4', stream: true };
    const report = await runConversationTests({
      flow: anthropicFlow,
      conversations: {
        format: 'nexusflow/conversations@1',
        conversations: [
          {
            name: 'streams',
            turns: [{ user: 'hi', llm: ['Streaming, token by token.'], expect: { replies: ['Streaming, token by token.'], vars: { lastAnswer: 'Streaming, token by token.' } } }],
          },
        ],
      },
    });
    expect(report.passed).toBe(true);
    expect(report.conversations[0]!.turns[0]!.actual).toMatchObject({ replies: [{ text: 'Streaming, token by token.' }], llmCalls: 1, status: 'parked' });
  }, 60_000);
});

describe('runConversationTests: differences', () => {
  it('names every difference of a failing conversation: replies, ports, vars, status', async () => {
    const report = await runConversationTests({
      flow: await example('faq'),
      conversations: {
        format: 'nexusflow/conversations@1',
        conversations: [
          { name: 'answers pricing', turns: [{ user: 'How much does it cost?', expect: { replies: [{ contains: '$19' }], ports: { route: 'pricing' } } }] },
          {
            name: 'routes opening hours',
            turns: [
              {
                user: 'When are you open?',
                expect: {
                  replies: ['We are open every day.', 'Anything else?'],
                  ports: { route: 'pricing', pricing: 'out', menu: null },
                  vars: { company: 'Acme', missing: 1 },
                  status: 'parked',
                },
              },
              { user: 'something else', expect: { replies: [] } },
              { user: 'menu please', expect: { replies: [{ text: 'I can help with pricing, opening hours, or a human. What would you like?', buttons: ['Pricing', 'Hours'] }] } },
            ],
          },
        ],
      },
    });
    expect(report.passed).toBe(false);
    expect(report.totals).toEqual({ conversations: 2, passed: 1, failed: 1, turns: 4, differences: 9 });
    const failing = report.conversations[1]!;
    expect(failing.passed).toBe(false);
    expect(failing.turns.map((t) => t.passed)).toEqual([false, false, false]);
    const at = (p: string) => `/conversations/1/turns/${p}`;
    expect(failing.differences).toEqual([
      {
        conversation: 'routes opening hours',
        turn: 1,
        what: 'reply',
        pointer: at('0/expect/replies/0'),
        expected: 'We are open every day.',
        actual: 'We are open Monday to Friday, 9:00 to 17:00.',
        message: 'reply 1: expected "We are open every day.", got "We are open Monday to Friday, 9:00 to 17:00."',
      },
      {
        conversation: 'routes opening hours',
        turn: 1,
        what: 'reply',
        pointer: at('0/expect/replies/1'),
        expected: 'Anything else?',
        message: 'reply 2 is missing: expected "Anything else?", the flow sent 1 reply',
      },
      {
        conversation: 'routes opening hours',
        turn: 1,
        what: 'port',
        pointer: at('0/expect/ports/route'),
        expected: 'pricing',
        actual: 'hours',
        message: 'node "route": expected port "pricing", got "hours"',
      },
      {
        conversation: 'routes opening hours',
        turn: 1,
        what: 'port',
        pointer: at('0/expect/ports/pricing'),
        expected: 'out',
        actual: null,
        message: 'node "pricing": expected port "out", but it did not run in this turn',
      },
      {
        conversation: 'routes opening hours',
        turn: 1,
        what: 'var',
        pointer: at('0/expect/vars/company'),
        expected: 'Acme',
        actual: 'Acme Robotics',
        message: 'vars.company: expected "Acme", got "Acme Robotics"',
      },
      {
        conversation: 'routes opening hours',
        turn: 1,
        what: 'var',
        pointer: at('0/expect/vars/missing'),
        expected: 1,
        message: 'vars.missing: expected 1, but it is not set',
      },
      {
        conversation: 'routes opening hours',
        turn: 1,
        what: 'status',
        pointer: at('0/expect/status'),
        expected: 'parked',
        actual: 'ended',
        message: 'expected status "parked", got "ended"',
      },
      {
        conversation: 'routes opening hours',
        turn: 2,
        what: 'reply',
        pointer: at('1/expect/replies'),
        actual: {
          text: 'I can help with pricing, opening hours, or a human. What would you like?',
          buttons: [
            { title: 'Pricing', payload: 'pricing' },
            { title: 'Opening hours', payload: 'hours' },
            { title: 'A human', payload: 'human' },
          ],
        },
        message: expect.stringMatching(/^extra reply 1: expected 0 replies, the flow also sent \{"text":"I can help/) as unknown as string,
      },
      {
        conversation: 'routes opening hours',
        turn: 3,
        what: 'reply',
        pointer: at('2/expect/replies/0'),
        expected: { text: 'I can help with pricing, opening hours, or a human. What would you like?', buttons: ['Pricing', 'Hours'] },
        actual: expect.objectContaining({ buttons: expect.any(Array) }) as unknown,
        message: 'reply 1: expected buttons ["Pricing","Hours"], got [{"title":"Pricing","payload":"pricing"},{"title":"Opening hours","payload":"hours"},{"title":"A human","payload":"human"}]',
      },
    ]);

    const text = formatReport(report);
    expect(text).toContain('✓ answers pricing (1 turn)');
    expect(text).toContain('✗ routes opening hours (3 turns, 9 differences)');
    expect(text).toContain('    turn 1 "When are you open?": port: node "route": expected port "pricing", got "hours"');
    expect(text).toContain('    turn 1 "When are you open?": var: vars.missing: expected 1, but it is not set');
    expect(text).toContain('    turn 2 "something else": reply: extra reply 1: expected 0 replies');
    expect(text).toMatch(/FAIL: 1 of 2 conversations passed, 1 failed; 4 turns, 9 differences/);

    const json = JSON.parse(formatReportJson(report)) as typeof report;
    expect(json.format).toBe('nexusflow/conversation-report@1');
    expect(json.conversations[1]!.differences[2]).toMatchObject({ what: 'port', expected: 'pricing', actual: 'hours' });
  }, 60_000);

  it('reports an exhausted LLM script, unused scripted replies, and an expected failure', async () => {
    const report = await runConversationTests({
      flow: llmFlow,
      conversations: {
        format: 'nexusflow/conversations@1',
        conversations: [
          {
            name: 'scripts too few and too many',
            turns: [
              { user: 'hi', expect: { replies: ['Hello!'] } },
              { user: 'again', llm: ['One.', 'Two.', 'Three.'], expect: { replies: ['One.'] } },
              { user: 'and now?', llm: ['Four.'], expect: { replies: ['Four.'], status: 'parked' } },
              { user: 'fail please', llm: [{ status: 503, errorMessage: 'overloaded' }], expect: { error: 'llm_server_error' } },
            ],
          },
        ],
      },
    });
    const [conversation] = report.conversations;
    expect(conversation!.turns.map((t) => t.passed)).toEqual([false, false, true, true]);
    const [exhausted, missing, failed] = conversation!.turns[0]!.differences;
    expect(exhausted).toMatchObject({
      what: 'llm',
      turn: 1,
      pointer: '/conversations/0/turns/0',
      expected: 0,
      actual: 1,
      message: 'LLM script exhausted: the flow called the LLM 1 time but the turn scripts 0 LLM replies; add the missing replies to "llm"',
    });
    expect(missing).toMatchObject({ what: 'reply', message: 'reply 1 is missing: expected "Hello!", the flow sent 0 replies' });
    expect(failed).toMatchObject({ what: 'status', expected: 'parked or ended', actual: 'failed' });
    expect(failed!.message).toMatch(/^the turn failed: llm_server_error: .*this turn scripts 0 LLM replies and the flow asked for another/);
    expect(conversation!.turns[1]!.differences).toEqual([
      {
        conversation: 'scripts too few and too many',
        turn: 2,
        what: 'llm',
        pointer: '/conversations/0/turns/1/llm/1',
        expected: 3,
        actual: 1,
        message: '2 of 3 LLM replies not used: the flow called the LLM 1 time in this turn',
      },
    ]);
    // The unused replies do not leak into the next turn.
    expect(conversation!.turns[2]!.actual?.replies).toEqual([{ text: 'Four.' }]);
    expect(conversation!.turns[3]!.actual).toMatchObject({ status: 'failed', error: { code: 'llm_server_error' } });
    expect(formatReport(report)).toContain('    turn 1 "hi": llm: LLM script exhausted: the flow called the LLM 1 time but the turn scripts 0 LLM replies');
  }, 60_000);

  it('ends a conversation whose turn outlives the per-turn timeout and goes on with the next one', async () => {
    const report = await runConversationTests({
      flow: llmFlow,
      turnTimeoutMs: 1500,
      conversations: {
        format: 'nexusflow/conversations@1',
        conversations: [
          {
            name: 'slow model',
            turns: [
              { user: 'hi', llm: [{ text: 'late', delayFirstTokenMs: 10_000 }] },
              { user: 'still there?', llm: ['yes'] },
            ],
          },
          { name: 'fast model', turns: [{ user: 'hi', llm: ['Hello!'], expect: { replies: ['Hello!'] } }] },
        ],
      },
    });
    const [slow, fast] = report.conversations;
    expect(slow!.passed).toBe(false);
    expect(slow!.differences).toEqual([
      expect.objectContaining({
        what: 'timeout',
        turn: 1,
        pointer: '/conversations/0/turns/0',
        message: 'the turn did not finish within 1500 ms (the per-turn timeout); the 1 turn after it were not run',
      }),
    ]);
    expect(slow!.turns[1]).toMatchObject({ turn: 2, skipped: true, passed: false });
    expect(fast!.differences).toEqual([]);
    expect(formatReport(report)).toContain('    1 turn not run (2): an earlier turn timed out');
  }, 60_000);
});

describe('recordConversations', () => {
  it('writes what the flow did as expectations that then pass', async () => {
    const file: ConversationsFile = {
      format: 'nexusflow/conversations@1',
      conversations: [
        { name: 'lead', turns: [{ user: 'hi' }, { user: ' Ada ' }, { user: 'ada@example' }, { user: 'Ada@Example.com' }] },
        { name: 'menu', turns: [{ user: 'what?' }] },
      ],
    };
    const leadFlow = await example('lead-capture');
    const first = await runConversationTests({ flow: leadFlow, conversations: file });
    const recorded = recordConversations(file, first);
    expect(validateConversations(recorded).ok).toBe(true);
    expect(recorded.conversations[0]!.turns[1]!.expect).toEqual({
      replies: ["Thanks, Ada! What's your email address?"],
      ports: { waitName: 'out', saveName: 'out', askEmail: 'out' },
      vars: { name: 'Ada' },
      status: 'parked',
      parkedAt: 'waitEmail',
    });
    expect(recorded.conversations[0]!.turns[3]!.expect).toMatchObject({ vars: { email: 'ada@example.com' }, status: 'ended' });
    const again = await runConversationTests({ flow: leadFlow, conversations: recorded });
    expect(again.passed).toBe(true);
    expect(again.totals.differences).toBe(0);
  }, 60_000);
});

describe('invalid input', () => {
  async function rejection(promise: Promise<unknown>): Promise<ConversationTestError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConversationTestError);
    return error as ConversationTestError;
  }

  it('refuses a broken conversations file before running anything, with a pointer per problem', async () => {
    const file = path.join(scratch, 'broken.conversations.json');
    await writeFile(
      file,
      JSON.stringify({
        format: 'nexusflow/conversations@2',
        conversations: [
          { name: 'a', turns: [{ user: 42 }, { user: 'hi', expect: { reply: ['x'] } }] },
          { name: 'b', turns: [] },
          { name: 'c', turns: [{ user: 'hi', llm: [{ txt: 'hello' }], expect: { status: 'done', ports: { 'bad.id': 'out', ok: 'not a port' } } }] },
        ],
      }),
    );
    const error = await rejection(runConversationTests({ flowFile: exampleFile('echo'), conversationsFile: file }));
    expect(error.code).toBe('conversations_invalid');
    expect(error.issues.map((i) => [i.pointer, i.message])).toEqual([
      ['/format', 'must be "nexusflow/conversations@1", the only conversations format this version understands'],
      ['/conversations/0/turns/0/user', 'must be a string or an object'],
      ['/conversations/0/turns/1/expect/reply', expect.stringContaining('unknown property "reply" (allowed: replies, ports, vars, status, parkedAt, error)')],
      ['/conversations/1/turns', 'must hold at least one turn such as { "user": "hi" }'],
      ['/conversations/2/turns/0/llm/0/txt', expect.stringContaining('unknown property "txt" (allowed: text, status, errorMessage')],
      ['/conversations/2/turns/0/expect/ports/bad.id', expect.stringContaining('"bad.id" cannot be a node id')],
      ['/conversations/2/turns/0/expect/ports/ok', expect.stringContaining('"not a port" is not a port name')],
      ['/conversations/2/turns/0/expect/status', 'must be "parked" (waiting for the next message), "ended" or "failed"'],
    ]);
    expect(error.message.split('\n')[0]).toBe(`${file} is not a valid conversations file (8 problems):`);
    expect(error.message).toContain('\n  /conversations/1/turns: must hold at least one turn');
  });

  it('checks what a schema cannot: names, matchers, regular expressions, coherent expectations', () => {
    const checked = validateConversations({
      format: 'nexusflow/conversations@1',
      conversations: [
        { name: 'same', turns: [{ user: 'hi', expect: { replies: [{ text: 'a', contains: 'b' }, { matches: '(a+)+$' }, { contains: 'x', flags: 'i' }] } }] },
        { name: 'same', turns: [{ user: 'hi', expect: { status: 'ended', error: 'timeout', parkedAt: 'w' } }] },
        { name: 'proto', variables: JSON.parse('{"__proto__": {"admin": true}}') as Record<string, unknown>, turns: [{ user: 'x' }] },
      ],
    });
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.issues.map((i) => i.pointer)).toEqual(['/conversations/2/variables/__proto__']);
    const second = validateConversations({
      format: 'nexusflow/conversations@1',
      conversations: [
        { name: 'same', turns: [{ user: 'hi', expect: { replies: [{ text: 'a', contains: 'b' }, { matches: '(a+)+$' }, { contains: 'x', flags: 'i' }] } }] },
        { name: 'same', turns: [{ user: 'hi', expect: { status: 'ended', error: 'timeout', parkedAt: 'w' } }] },
      ],
    });
    expect(second.ok).toBe(false);
    if (second.ok) return;
    expect(second.issues.map((i) => [i.pointer, i.message])).toEqual([
      ['/conversations/0/turns/0/expect/replies/0', 'has text and contains; give at most one of text, contains and matches'],
      ['/conversations/0/turns/0/expect/replies/1/matches', expect.stringMatching(/^this regular expression is refused: it repeats a group/)],
      ['/conversations/0/turns/0/expect/replies/2/flags', 'flags only apply to "matches"; add a "matches" pattern or remove flags'],
      ['/conversations/1/name', '"same" is also the name of conversation 0; give each conversation its own name so the report can tell them apart'],
      ['/conversations/1/turns/0/expect/error', 'an error code is expected, so the turn fails, but status says "ended"; remove one of them'],
      ['/conversations/1/turns/0/expect/parkedAt', 'a turn that parks has status "parked", but status says "ended"; remove one of them'],
      ['/conversations/1/turns/0/expect/parkedAt', 'a turn cannot both park and fail with an error; remove parkedAt or error'],
    ]);
  });

  it('refuses node ids and ports the flow does not have, and too many conversations', async () => {
    const error = await rejection(
      runConversationTests({
        flow: await example('lead-capture'),
        conversations: {
          format: 'nexusflow/conversations@1',
          conversations: [{ name: 'typos', turns: [{ user: 'hi', expect: { ports: { askNam: 'out', checkEmail: ['valid', 'maybe'] }, parkedAt: 'askName' } }] }],
        },
      }),
    );
    expect(error.code).toBe('conversations_invalid');
    expect(error.issues.map((i) => [i.pointer, i.message])).toEqual([
      ['/conversations/0/turns/0/expect/ports/askNam', expect.stringMatching(/^the flow has no node "askNam"; its nodes are: start, askName, waitName/)],
      ['/conversations/0/turns/0/expect/ports/checkEmail/1', 'node "checkEmail" (core/branch) has no port "maybe"; its ports are: valid, invalid, error'],
      ['/conversations/0/turns/0/expect/parkedAt', 'node "askName" is a core/reply; sessions park only on core/wait nodes'],
    ]);
    expect(error.message.split('\n')[0]).toBe('the conversations document is not a valid conversations file for flow "lead-capture" (3 problems):');

    const many = { format: 'nexusflow/conversations@1', conversations: Array.from({ length: 501 }, (_, i) => ({ name: `c${i}`, turns: [{ user: 'hi' }] })) };
    const tooMany = validateConversations(many);
    expect(tooMany.ok ? [] : tooMany.issues).toEqual([{ code: 'invalid_conversations', pointer: '/conversations', message: 'too many conversations (max 500); split them over several files' }]);
    const longOnes = {
      format: 'nexusflow/conversations@1',
      conversations: Array.from({ length: 26 }, (_, i) => ({ name: `c${i}`, turns: Array.from({ length: 200 }, () => ({ user: 'hi' })) })),
    };
    const tooLong = validateConversations(longOnes);
    expect(tooLong.ok ? [] : tooLong.issues.map((i) => i.message)).toEqual(['the file has 5200 turns in all; the limit is 5000; split it over several files']);
  });

  it('refuses unreadable files, a broken flow and wrong options with clear errors', async () => {
    const notJson = path.join(scratch, 'not-json.json');
    await writeFile(notJson, '{ "format": ');
    const unreadable = await rejection(runConversationTests({ flowFile: exampleFile('echo'), conversationsFile: notJson }));
    expect(unreadable.code).toBe('input_unreadable');
    expect(unreadable.message).toMatch(new RegExp(`^the conversations file ${notJson} is not valid JSON: `));
    const missing = await rejection(runConversationTests({ flowFile: path.join(scratch, 'nope.json'), conversations: { format: 'nexusflow/conversations@1', conversations: [{ name: 'x', turns: [{ user: 'hi' }] }] } }));
    expect(missing).toMatchObject({ code: 'input_unreadable', message: expect.stringContaining(`cannot read the flow file ${path.join(scratch, 'nope.json')}`) as unknown });

    const broken = await example('echo');
    broken.edges[0]!.target = 'ghost';
    const flowError = await rejection(runConversationTests({ flow: broken, conversations: { format: 'nexusflow/conversations@1', conversations: [{ name: 'x', turns: [{ user: 'hi' }] }] } }));
    expect(flowError.code).toBe('flow_invalid');
    expect(flowError.issues.some((i) => i.pointer === '/edges/0/target')).toBe(true);
    expect(flowError.message).toMatch(/^the flow document is not a valid flow \(\d+ problems?\):\n {2}\/edges\/0\/target: /);

    const options = await rejection(runConversationTests({ flow: broken, conversations: {}, conversationsFile: notJson, turnTimeoutMs: 10 }));
    expect(options).toMatchObject({
      code: 'options_invalid',
      message: 'runConversationTests: give exactly one of conversationsFile and conversations; turnTimeoutMs must be a whole number of milliseconds from 100 to 300000; got 10',
    });
  });
});
