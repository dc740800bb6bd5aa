import { readFile, stat } from 'node:fs/promises';
import { END, WAIT, type CompiledFlow, type Validated, type ValidationIssue } from '@nexusflow/engine';
import { appendPointer, findRegexHazard, formatSchemaErrors, MESSAGES_KEYWORD, prescanJson } from '@nexusflow/schemas';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import conversationsSchema from './conversations.schema.json' with { type: 'json' };
import { ConversationTestError } from './errors.js';
import type { Conversation, ConversationsFile, ReplyMatcher } from './types.js';

/** Largest conversations or flow file read, in bytes. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Most conversations in one file (also in the schema). */
export const MAX_CONVERSATIONS = 500;
/** Most turns in one conversation (also in the schema). */
export const MAX_TURNS_PER_CONVERSATION = 200;
/** Most turns in one file, over all its conversations. */
export const MAX_TOTAL_TURNS = 5000;
/** Most scripted LLM replies in one turn (also in the schema). */
export const MAX_LLM_STEPS_PER_TURN = 50;

let validator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (validator === undefined) {
    // verbose and allErrors are what formatSchemaErrors needs.
    const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
    ajv.addKeyword({ keyword: MESSAGES_KEYWORD, schemaType: 'object' });
    validator = ajv.compile(conversationsSchema);
  }
  return validator;
}

/** Reads and parses a JSON file of at most MAX_FILE_BYTES; failures are `input_unreadable` errors naming the file. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  const size = await stat(file).then(
    (s) => (s.isFile() ? s.size : -1),
    (error: Error) => {
      throw new ConversationTestError('input_unreadable', `cannot read the ${what} ${file}: ${error.message}`);
    },
  );
  if (size < 0) throw new ConversationTestError('input_unreadable', `cannot read the ${what} ${file}: it is not a file`);
  if (size > MAX_FILE_BYTES) {
    throw new ConversationTestError('input_unreadable', `the ${what} ${file} is ${size} bytes; the limit is ${MAX_FILE_BYTES} bytes (split it)`);
  }
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new ConversationTestError('input_unreadable', `cannot read the ${what} ${file}: ${error.message}`);
  });
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConversationTestError('input_unreadable', `the ${what} ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

const issue = (pointer: string, message: string, code = 'invalid_conversations'): ValidationIssue => ({ code, pointer, message });

/**
 * Checks a parsed conversations document: JSON-only values and nesting (prescan), the schema
 * (`conversations.schema.json`), then what a schema cannot say: unique names, the total number of
 * turns, one text matcher per reply, safe regular expressions, and coherent status expectations.
 * Every issue has a JSON pointer into the document and a sentence saying how to fix it.
 *
 * @example
 * const checked = validateConversations(JSON.parse(text));
 * if (!checked.ok) for (const i of checked.issues) console.error(`${i.pointer}: ${i.message}`);
 */
export function validateConversations(doc: unknown): Validated<ConversationsFile> {
  const scanned = prescanJson(doc);
  if (scanned.length > 0) return { ok: false, issues: scanned };
  const validate = schemaValidator();
  if (!validate(doc)) return { ok: false, issues: formatSchemaErrors(validate.errors ?? [], '', 'invalid_conversations') };
  const file = doc as ConversationsFile;
  const issues: ValidationIssue[] = [];
  const names = new Map<string, number>();
  let totalTurns = 0;
  file.conversations.forEach((conversation, c) => {
    const at = `/conversations/${c}`;
    const earlier = names.get(conversation.name);
    if (earlier !== undefined) {
      issues.push(issue(`${at}/name`, `"${conversation.name}" is also the name of conversation ${earlier}; give each conversation its own name so the report can tell them apart`));
    } else {
      names.set(conversation.name, c);
    }
    totalTurns += conversation.turns.length;
    checkTurns(conversation, at, issues);
  });
  if (totalTurns > MAX_TOTAL_TURNS) {
    issues.push(issue('/conversations', `the file has ${totalTurns} turns in all; the limit is ${MAX_TOTAL_TURNS}; split it over several files`));
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: file };
}

function checkTurns(conversation: Conversation, at: string, issues: ValidationIssue[]): void {
  conversation.turns.forEach((turn, t) => {
    const expect = turn.expect;
    if (expect === undefined) return;
    const base = `${at}/turns/${t}/expect`;
    expect.replies?.forEach((reply, r) => checkReply(reply, `${base}/replies/${r}`, issues));
    if (expect.error !== undefined && expect.status !== undefined && expect.status !== 'failed') {
      issues.push(issue(`${base}/error`, `an error code is expected, so the turn fails, but status says "${expect.status}"; remove one of them`));
    }
    if (expect.parkedAt !== undefined && expect.status !== undefined && expect.status !== 'parked') {
      issues.push(issue(`${base}/parkedAt`, `a turn that parks has status "parked", but status says "${expect.status}"; remove one of them`));
    }
    if (expect.parkedAt !== undefined && expect.error !== undefined) {
      issues.push(issue(`${base}/parkedAt`, 'a turn cannot both park and fail with an error; remove parkedAt or error'));
    }
  });
}

function checkReply(reply: ReplyMatcher, pointer: string, issues: ValidationIssue[]): void {
  if (typeof reply === 'string') return;
  const textMatchers = (['text', 'contains', 'matches'] as const).filter((key) => reply[key] !== undefined);
  if (textMatchers.length > 1) {
    issues.push(issue(pointer, `has ${textMatchers.join(' and ')}; give at most one of text, contains and matches`));
  }
  if (reply.flags !== undefined && reply.matches === undefined) {
    issues.push(issue(appendPointer(pointer, 'flags'), 'flags only apply to "matches"; add a "matches" pattern or remove flags'));
  }
  if (reply.matches !== undefined) {
    const hazard = findRegexHazard(reply.matches);
    if (hazard !== undefined) {
      issues.push(issue(appendPointer(pointer, 'matches'), `this regular expression is refused: ${hazard}`));
    } else {
      try {
        new RegExp(reply.matches, `${reply.flags ?? ''}u`);
      } catch (error) {
        issues.push(issue(appendPointer(pointer, 'flags'), `the pattern does not compile with these flags: ${(error as Error).message}`));
      }
    }
  }
}

/**
 * Checks the node ids and ports a conversations file names against the compiled flow: a typo
 * would otherwise only show up as a failed expectation at run time.
 */
export function checkAgainstFlow(file: ConversationsFile, flow: CompiledFlow): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const ids = [...flow.nodes.keys()];
  const known = ids.length > 12 ? `${ids.slice(0, 12).join(', ')}, …` : ids.join(', ');
  file.conversations.forEach((conversation, c) => {
    conversation.turns.forEach((turn, t) => {
      const base = `/conversations/${c}/turns/${t}/expect`;
      for (const [nodeId, expected] of Object.entries(turn.expect?.ports ?? {})) {
        const pointer = appendPointer(`${base}/ports`, nodeId);
        const node = flow.nodes.get(nodeId);
        if (node === undefined) {
          issues.push(issue(pointer, `the flow has no node "${nodeId}"; its nodes are: ${known}`));
          continue;
        }
        // The trace names an end node's step `end`; every node may take `error`.
        const ports = [...node.ports, ...(node.type === END ? ['end'] : []), 'error'];
        const list = expected === null ? [] : Array.isArray(expected) ? expected : [expected];
        list.forEach((port, p) => {
          if (ports.includes(port)) return;
          const where = Array.isArray(expected) ? appendPointer(pointer, p) : pointer;
          issues.push(issue(where, `node "${nodeId}" (${node.type}) has no port "${port}"; its ports are: ${ports.join(', ')}`));
        });
      }
      const parkedAt = turn.expect?.parkedAt;
      if (parkedAt !== undefined) {
        const node = flow.nodes.get(parkedAt);
        if (node === undefined) issues.push(issue(`${base}/parkedAt`, `the flow has no node "${parkedAt}"; its nodes are: ${known}`));
        else if (node.type !== WAIT) issues.push(issue(`${base}/parkedAt`, `node "${parkedAt}" is a ${node.type}; sessions park only on ${WAIT} nodes`));
      }
    });
  });
  return issues;
}
