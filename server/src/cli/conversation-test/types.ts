import type { ChatMessage, ErrorInfo, OutboundMessage, TurnStatus } from '@nexusflow/engine';
import type { ScriptStep } from '@nexusflow/nodes/testing';

/** The `format` of a conversations file. */
export const CONVERSATIONS_FORMAT = 'nexusflow/conversations@1';
/** The `format` of a JSON report. */
export const REPORT_FORMAT = 'nexusflow/conversation-report@1';

/** An expected reply: the exact text, or a matcher object (see README.md). */
export type ReplyMatcher =
  | string
  | {
      /** The exact text. */
      text?: string;
      /** A substring of the text. */
      contains?: string;
      /** A regular expression the text must match (JavaScript syntax, `u` flag). */
      matches?: string;
      /** Extra flags for `matches`: any of `i`, `m`, `s`. */
      flags?: string;
      /** The quick-reply buttons, by title or as `{ title, payload? }`; all of them, in order. */
      buttons?: (string | { title: string; payload?: string })[];
      media?: { url: string; type?: 'image' | 'audio' | 'video' | 'file' };
    };

/** What a turn must do; every field is optional and only the fields given are checked. */
export interface TurnExpectation {
  /** Every reply the flow sends in this turn, in order: missing and extra replies are differences. */
  replies?: ReplyMatcher[];
  /** Node id → the port it took in this turn (its last visit), every port of its visits in order, or null: it must not run. */
  ports?: Record<string, string | string[] | null>;
  /** Session variables after the turn; a subset match (objects recursively, arrays item by item). */
  vars?: Record<string, unknown>;
  /** How the turn ends. Without it, a failed turn is a difference unless `error` is given. */
  status?: TurnStatus;
  /** The wait node the session is parked on after the turn. */
  parkedAt?: string;
  /** The error code of a failed turn (e.g. `llm_server_error`); implies status `failed`. */
  error?: string;
}

export interface ConversationTurn {
  /** What the user says: text, or a message object (`{ text, payload, ... }`). */
  user: string | ChatMessage;
  /** LLM replies consumed in order during this turn; the fake server's script steps. */
  llm?: ScriptStep[];
  expect?: TurnExpectation;
}

export interface Conversation {
  name: string;
  description?: string;
  /** The contact id (default `tester`); the session key is `test:<contact>`. */
  contact?: string;
  /** Initial variables, merged over the flow's `variables`. */
  variables?: Record<string, unknown>;
  turns: ConversationTurn[];
}

export interface ConversationsFile {
  format: typeof CONVERSATIONS_FORMAT;
  description?: string;
  conversations: Conversation[];
}

/** The kinds of difference a turn can have. */
export type DifferenceKind = 'reply' | 'port' | 'var' | 'status' | 'error' | 'llm' | 'timeout';

/** One way a turn did not do what the conversations file expects. */
export interface Difference {
  /** The conversation's name. */
  conversation: string;
  /** 1-based turn number. */
  turn: number;
  what: DifferenceKind;
  /** JSON pointer into the conversations file: the expectation that failed (or the turn). */
  pointer: string;
  /** Absent where nothing was expected (an extra reply) */
  expected?: unknown;
  /** Absent where nothing happened (a missing reply) */
  actual?: unknown;
  /** One sentence with expected and actual. */
  message: string;
}

/** What the flow did in one turn: also what `recordConversations` writes as expectations. */
export interface TurnActual {
  replies: OutboundMessage[];
  /** Node id → the port of each visit in this turn, in order (`error` for a failed step; `out` for the wait node the turn resumed from). */
  ports: Record<string, string[]>;
  /** Every session variable after the turn (empty after a timeout). */
  vars: Record<string, unknown>;
  /** Names of the variables this turn set or changed (what a recorded `expect.vars` holds). */
  changedVars: string[];
  /** `timeout` when the turn did not finish within the per-turn timeout. */
  status: TurnStatus | 'timeout';
  parkedAt?: string;
  error?: ErrorInfo;
  /** LLM requests the flow made in this turn. */
  llmCalls: number;
}

export interface TurnReport {
  /** 1-based. */
  turn: number;
  /** The user's text (or the message as JSON), for the human report. */
  user: string;
  passed: boolean;
  /** True for turns not run because an earlier turn timed out. */
  skipped: boolean;
  differences: Difference[];
  /** Absent for skipped turns. */
  actual?: TurnActual;
  durationMs: number;
}

export interface ConversationResult {
  name: string;
  /** Position in the file. */
  index: number;
  passed: boolean;
  turns: TurnReport[];
  /** Every difference of every turn, in order. */
  differences: Difference[];
  durationMs: number;
}

export interface ConversationReport {
  format: typeof REPORT_FORMAT;
  flow: { id: string; name: string };
  passed: boolean;
  conversations: ConversationResult[];
  totals: { conversations: number; passed: number; failed: number; turns: number; differences: number };
  durationMs: number;
}

/** Progress of a run, for a CLI that prints as it goes. */
export type ConversationProgress =
  | { type: 'conversation.started'; name: string; index: number; total: number }
  | { type: 'turn.finished'; conversation: string; turn: number; passed: boolean }
  | { type: 'conversation.finished'; result: ConversationResult };
