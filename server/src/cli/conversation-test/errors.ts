import type { ValidationIssue } from '@nexusflow/schemas';

export type ConversationTestErrorCode =
  /** A file could not be read or is not JSON. */
  | 'input_unreadable'
  /** The conversations document breaks the format, a limit, or names nodes or ports the flow does not have. */
  | 'conversations_invalid'
  /** The flow does not validate against the installed plugins. */
  | 'flow_invalid'
  /** A plugin's bundle does not match its manifest. */
  | 'plugin_invalid'
  /** The options of `runConversationTests` are wrong (a programming error of the caller). */
  | 'options_invalid';

/**
 * Everything that stops a run before the first conversation: the message is ready to print (the
 * source, then one `  <pointer>: <problem>` line per issue); `issues` holds the same as data.
 */
export class ConversationTestError extends Error {
  readonly code: ConversationTestErrorCode;
  readonly issues: ValidationIssue[];

  constructor(code: ConversationTestErrorCode, message: string, issues: ValidationIssue[] = []) {
    super(message);
    this.name = 'ConversationTestError';
    this.code = code;
    this.issues = issues;
  }
}

const MAX_LISTED_ISSUES = 50;

/** `<source> is not a valid <what> (N problems):` then one line per issue, pointer first. */
export function issuesError(code: ConversationTestErrorCode, source: string, what: string, issues: ValidationIssue[]): ConversationTestError {
  const shown = issues.slice(0, MAX_LISTED_ISSUES).map((i) => `  ${i.pointer === '' ? '/' : i.pointer}: ${i.message}`);
  if (issues.length > MAX_LISTED_ISSUES) shown.push(`  … and ${issues.length - MAX_LISTED_ISSUES} more`);
  const head = `${source} is not a valid ${what} (${issues.length} problem${issues.length === 1 ? '' : 's'}):`;
  return new ConversationTestError(code, [head, ...shown].join('\n'), issues);
}
