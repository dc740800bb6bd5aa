import { NexusError, type CapabilityContext, type CreditLedger, type LlmMessage } from '@nexusflow/engine';
import { unknownMethod } from '../args.js';
import type { CapabilityHandler } from '../types.js';
import { holdFor } from './pricing.js';
import { noRateMessage, rateFor, type RateTable } from './rates.js';
import { countTokens } from './token-count.js';

/** Largest `maxTokens` an estimate accepts; far above any model's output limit. */
const MAX_OUTPUT_TOKENS = 10_000_000;
const MAX_MESSAGES = 10_000;
const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant']);

/**
 * `ctx.billing` for plugin code: `balance()` and `check(credits)` read the calling workspace's
 * available credits (balance less open holds), `estimate(request)` prices a model call's worst case
 * (its input tokens plus `maxTokens` of output, fee included, rounded up) exactly as the LLM
 * provider will hold it. The workspace always comes from the context, never from arguments.
 */
export function createBillingCapability(deps: { ledger: CreditLedger; rates: RateTable }): CapabilityHandler {
  const { ledger, rates } = deps;
  return async (method: string, args: unknown[], context: CapabilityContext): Promise<unknown> => {
    switch (method) {
      case 'balance':
        return (await ledger.balance(context.workspaceId)).available;
      case 'check': {
        const credits = args[0];
        if (typeof credits !== 'number' || !Number.isSafeInteger(credits) || credits < 0) {
          throw new NexusError('capability_failed', 'billing.check needs credits as a whole number from 0 up');
        }
        return (await ledger.balance(context.workspaceId)).available >= credits;
      }
      case 'estimate':
        return estimate(rates, args[0]);
      default:
        throw unknownMethod('billing', method);
    }
  };
}

function estimate(rates: RateTable, request: unknown): number {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new NexusError('capability_failed', 'billing.estimate needs a request { provider, model, messages?, maxTokens }');
  }
  const { provider, model, messages, maxTokens } = request as Record<string, unknown>;
  if (typeof provider !== 'string' || provider.length === 0 || provider.length > 64) {
    throw new NexusError('capability_failed', 'billing.estimate needs provider as a non-empty string, e.g. "openai"');
  }
  if (typeof model !== 'string' || model.length === 0 || model.length > 192) {
    throw new NexusError('capability_failed', 'billing.estimate needs model as a non-empty string, e.g. "gpt-4o-mini"');
  }
  if (typeof maxTokens !== 'number' || !Number.isSafeInteger(maxTokens) || maxTokens < 1 || maxTokens > MAX_OUTPUT_TOKENS) {
    throw new NexusError('capability_failed', `billing.estimate needs maxTokens as a whole number from 1 to ${MAX_OUTPUT_TOKENS}`);
  }
  const rate = rateFor(rates, provider, model);
  if (rate === undefined) throw new NexusError('capability_failed', noRateMessage(provider, model));
  const inputTokens = messages === undefined ? 0 : countTokens(checkMessages(messages));
  return holdFor({ rate, feePercent: rates.feePercent, inputTokens, maxTokens });
}

function checkMessages(messages: unknown): LlmMessage[] {
  if (!Array.isArray(messages) || messages.length > MAX_MESSAGES) {
    throw new NexusError('capability_failed', `billing.estimate needs messages as an array of at most ${MAX_MESSAGES} { role, content } items`);
  }
  messages.forEach((message: unknown, index) => {
    const { role, content } = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
    if (typeof role !== 'string' || !ROLES.has(role) || typeof content !== 'string') {
      throw new NexusError(
        'capability_failed',
        `billing.estimate needs messages[${index}] as { role: "system" | "user" | "assistant", content: string }`,
      );
    }
  });
  return messages as LlmMessage[];
}
