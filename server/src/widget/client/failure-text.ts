import type { ChatFailure } from './protocol.js';

/** What a failure means for the visitor, in their words. */
export function describeFailure(failure: ChatFailure): string {
  if (failure.status === 402 || failure.code === 'insufficient_credits') return 'This assistant is out of credits right now, so it cannot answer. Please try again later.';
  if (failure.status === 429) return 'You are sending messages too quickly. Wait a moment, then try again.';
  if (failure.status === 503) return 'The service is busy or restarting. Please try again in a moment.';
  const sentence = failure.message.charAt(0).toUpperCase() + failure.message.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}
