import type { CapabilityContext } from '@nexusflow/engine';
import { describe, expect, it } from 'vitest';
import { createBillingCapability } from './billing-capability.js';
import { createMemoryLedger } from './memory-ledger.js';
import { loadDefaultRates } from './rates.js';
import { countTokens } from './token-count.js';
import { holdFor } from './pricing.js';

const context = { workspaceId: 'ws1', plugin: 'core', idempotencyKey: 's/1/1/n' } as CapabilityContext;

async function setup() {
  const ledger = createMemoryLedger();
  await ledger.adjust('ws1', 'topup', 'purchase', 100);
  await ledger.hold('ws1', 'open-hold', 30);
  await ledger.adjust('ws2', 'topup', 'purchase', 1_000);
  return createBillingCapability({ ledger, rates: loadDefaultRates() });
}

describe('billing capability', () => {
  it('answers balance and check with the calling workspace available credits', async () => {
    const billing = await setup();
    expect(await billing('balance', [], context)).toBe(70);
    expect(await billing('check', [70], context)).toBe(true);
    expect(await billing('check', [71], context)).toBe(false);
  });

  it('estimates the worst case like the hold will be taken', async () => {
    const billing = await setup();
    const messages = [{ role: 'user', content: 'Hello, world!' }] as const;
    const rate = { inputPer1K: 2.5, outputPer1K: 10 };
    expect(await billing('estimate', [{ provider: 'openai', model: 'gpt-4o', maxTokens: 1000 }], context)).toBe(10);
    expect(await billing('estimate', [{ provider: 'openai', model: 'gpt-4o', messages, maxTokens: 1000 }], context)).toBe(
      holdFor({ rate, feePercent: 0, inputTokens: countTokens(messages), maxTokens: 1000 }),
    );
  });

  it('refuses bad arguments and unknown models with clear sentences', async () => {
    const billing = await setup();
    const failure = (method: string, args: unknown[]) =>
      billing(method, args, context).then(
        () => 'resolved',
        (error: { code: string; message: string }) => `${error.code}: ${error.message}`,
      );
    expect(await failure('estimate', [{ provider: 'openai', model: 'gpt-9', maxTokens: 10 }])).toMatchInlineSnapshot(
      `"capability_failed: no rate for openai/gpt-9; add it to the rates file or set defaultRate"`,
    );
    expect(await failure('check', ['5'])).toMatchInlineSnapshot(`"capability_failed: billing.check needs credits as a whole number from 0 up"`);
    expect(await failure('estimate', [{ provider: 'openai', model: 'gpt-4o', maxTokens: 0 }])).toMatchInlineSnapshot(
      `"capability_failed: billing.estimate needs maxTokens as a whole number from 1 to 10000000"`,
    );
    expect(await failure('estimate', [{ provider: 'openai', model: 'gpt-4o', maxTokens: 5, messages: [{ role: 'tool', content: 1 }] }])).toMatchInlineSnapshot(
      `"capability_failed: billing.estimate needs messages[0] as { role: "system" | "user" | "assistant", content: string }"`,
    );
    expect(await failure('estimate', [null])).toMatchInlineSnapshot(
      `"capability_failed: billing.estimate needs a request { provider, model, messages?, maxTokens }"`,
    );
    expect(await failure('charge', [])).toMatchInlineSnapshot(`"capability_failed: billing has no method charge"`);
  });
});
