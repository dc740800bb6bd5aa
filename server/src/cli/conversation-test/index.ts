/**
 * The conversation replay tester behind `nexusflow test <flow> <conversations>`: replays recorded
 * conversations against a flow, offline, and reports every difference. See README.md.
 */
export {
  runConversationTests,
  DEFAULT_TURN_TIMEOUT_MS,
  MIN_TURN_TIMEOUT_MS,
  MAX_TURN_TIMEOUT_MS,
  DEFAULT_CONTACT,
} from './run.js';
export type { ConversationTestOptions } from './run.js';
export { formatReport, formatReportJson, recordConversations, expectationOf } from './format.js';
export {
  validateConversations,
  checkAgainstFlow,
  readJsonFile,
  MAX_FILE_BYTES,
  MAX_CONVERSATIONS,
  MAX_TURNS_PER_CONVERSATION,
  MAX_TOTAL_TURNS,
  MAX_LLM_STEPS_PER_TURN,
} from './validate.js';
export { ConversationTestError } from './errors.js';
export type { ConversationTestErrorCode } from './errors.js';
export { TEST_WORKSPACE, TEST_CREDITS } from './session.js';
export { CONVERSATIONS_FORMAT, REPORT_FORMAT } from './types.js';
export type {
  Conversation,
  ConversationProgress,
  ConversationReport,
  ConversationResult,
  ConversationsFile,
  ConversationTurn,
  Difference,
  DifferenceKind,
  ReplyMatcher,
  TurnActual,
  TurnExpectation,
  TurnReport,
} from './types.js';
