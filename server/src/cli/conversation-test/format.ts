import type { OutboundMessage } from '@nexusflow/engine';
import type { ConversationReport, ConversationsFile, ReplyMatcher, TurnActual, TurnExpectation } from './types.js';

const MAX_USER_CHARS = 40;

function quoteUser(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(line.length > MAX_USER_CHARS ? `${line.slice(0, MAX_USER_CHARS)}…` : line);
}

function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The report for people: a ✓ or ✗ line per conversation, each difference on its own indented line
 * (turn, what, then expected against actual), and a summary line.
 *
 * @example
 * ✗ asks for an email (3 turns, 1 difference)
 *     turn 2 "ada@example": reply: reply 1: expected "Got it!", got "That doesn't look like an email address."
 */
export function formatReport(report: ConversationReport): string {
  const lines = [`Conversation tests of "${report.flow.name}" (${report.flow.id})`];
  for (const conversation of report.conversations) {
    const turns = plural(conversation.turns.length, 'turn');
    if (conversation.passed) {
      lines.push(`✓ ${conversation.name} (${turns})`);
      continue;
    }
    lines.push(`✗ ${conversation.name} (${turns}, ${plural(conversation.differences.length, 'difference')})`);
    for (const turn of conversation.turns) {
      for (const difference of turn.differences) lines.push(`    turn ${turn.turn} ${quoteUser(turn.user)}: ${difference.what}: ${difference.message}`);
    }
    const skipped = conversation.turns.filter((t) => t.skipped);
    if (skipped.length > 0) lines.push(`    ${plural(skipped.length, 'turn')} not run (${skipped.map((t) => t.turn).join(', ')}): an earlier turn timed out`);
  }
  const { totals } = report;
  lines.push(
    `${report.passed ? 'PASS' : 'FAIL'}: ${totals.passed} of ${plural(totals.conversations, 'conversation')} passed, ${totals.failed} failed; ` +
      `${plural(totals.turns, 'turn')}, ${plural(totals.differences, 'difference')} (${seconds(report.durationMs)})`,
  );
  return lines.join('\n');
}

/** The report for machines: the report object as indented JSON (format `nexusflow/conversation-report@1`). */
export function formatReportJson(report: ConversationReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function matcherOf(reply: OutboundMessage): ReplyMatcher {
  if (reply.buttons === undefined && reply.media === undefined) return reply.text ?? '';
  const matcher: Exclude<ReplyMatcher, string> = {};
  if (reply.text !== undefined) matcher.text = reply.text;
  if (reply.buttons !== undefined) {
    matcher.buttons = reply.buttons.map((b) => (b.payload === undefined ? b.title : { title: b.title, payload: b.payload }));
  }
  if (reply.media !== undefined) matcher.media = reply.media.type === undefined ? { url: reply.media.url } : { url: reply.media.url, type: reply.media.type };
  return matcher;
}

/** What the flow did in a turn, written as the expectation that it does it again. */
export function expectationOf(actual: TurnActual): TurnExpectation {
  const expect: TurnExpectation = { replies: actual.replies.map(matcherOf) };
  const ports = Object.entries(actual.ports);
  if (ports.length > 0) expect.ports = Object.fromEntries(ports.map(([node, taken]) => [node, taken.length === 1 ? (taken[0] as string) : taken]));
  if (actual.changedVars.length > 0) expect.vars = Object.fromEntries(actual.changedVars.map((name) => [name, actual.vars[name]]));
  if (actual.status !== 'timeout') expect.status = actual.status;
  if (actual.parkedAt !== undefined) expect.parkedAt = actual.parkedAt;
  if (actual.status === 'failed' && actual.error !== undefined) expect.error = actual.error.code;
  return expect;
}

/**
 * A copy of the conversations file whose expectations say what the flow did in `report` (for a
 * `--record`/`--update` mode): users and LLM scripts stay, each run turn's `expect` is replaced,
 * and turns that timed out or were not run keep theirs.
 */
export function recordConversations(file: ConversationsFile, report: ConversationReport): ConversationsFile {
  return {
    ...file,
    conversations: file.conversations.map((conversation, c) => {
      const result = report.conversations.find((r) => r.index === c);
      return {
        ...conversation,
        turns: conversation.turns.map((turn, t) => {
          const actual = result?.turns[t]?.actual;
          if (actual === undefined || actual.status === 'timeout') return turn;
          return { ...turn, expect: expectationOf(actual) };
        }),
      };
    }),
  };
}
