import { checkConfigSchemaSafety, compileConfigValidator, type JsonSchema } from '@nexusflow/schemas';
import { LlmError } from './errors.js';

export interface JsonCheck {
  ok: boolean;
  value?: unknown;
  /** Why the answer was refused, in a sentence the model (and the flow author) can act on. */
  problem?: string;
}

export type JsonAnswerChecker = (text: string) => JsonCheck;

/**
 * The JSON text of a reply: the whole reply, or the inside of a ```json fence, or the first
 * `{ ... }` / `[ ... ]` span of a reply that wraps its JSON in prose.
 */
export function extractJson(text: string): string {
  const trimmed = text.trim();
  const fence = /```(?:json|JSON)?\s*\n?([\s\S]*?)```/.exec(trimmed);
  if (fence?.[1] !== undefined) return fence[1].trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return trimmed;
  const start = trimmed.search(/[{[]/);
  if (start < 0) return trimmed;
  const close = trimmed[start] === '{' ? '}' : ']';
  const end = trimmed.lastIndexOf(close);
  return end > start ? trimmed.slice(start, end + 1) : trimmed.slice(start);
}

/**
 * Checks a flow-supplied JSON Schema as untrusted input (size, depth, regex hazards, no remote
 * refs) and compiles it; returns a checker of model answers.
 */
export function compileJsonAnswerChecker(schema: unknown): JsonAnswerChecker {
  const issues = checkConfigSchemaSafety(schema, '/json');
  if (issues.length > 0) {
    throw new LlmError('llm_invalid_request', `llm.chat: the json schema cannot be used: ${issues.map((i) => `${i.pointer}: ${i.message}`).join('; ')}`);
  }
  const validate = compileConfigValidator(schema as JsonSchema);
  const unusable = validate(undefined, '').find((i) => i.code === 'unusable_config_schema');
  if (unusable !== undefined) throw new LlmError('llm_invalid_request', `llm.chat: ${unusable.message.replace("this node type's config schema", 'the json schema').replace('; the plugin must fix its manifest', '')}`);
  return (text) => {
    let value: unknown;
    try {
      value = JSON.parse(extractJson(text));
    } catch (error) {
      return { ok: false, problem: `the answer is not valid JSON (${error instanceof Error ? error.message : String(error)})` };
    }
    const problems = validate(value, '');
    if (problems.length === 0) return { ok: true, value };
    return { ok: false, problem: `the JSON does not match the schema: ${problems.map((p) => `${p.pointer === '' ? '(root)' : p.pointer}: ${p.message}`).join('; ')}` };
  };
}

/** The system instruction that asks for JSON matching the schema. */
export function jsonInstruction(schema: unknown): string {
  return `Answer with one JSON value only, no prose and no code fence. It must match this JSON Schema: ${JSON.stringify(schema)}`;
}
