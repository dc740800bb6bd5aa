import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { UsageRow } from '../../api/index.js';
import { apiError, fakeServer, renderWithApi, type FakeRoute } from '../testing/fake-api.js';
import { lastDays } from '../usage/usage-range.js';
import { UsagePage } from './UsagePage.js';

afterEach(cleanup);

const USAGE = '/workspaces/w1/credits/usage';

function usageServer(byDay: UsageRow[], byModel: UsageRow[], overrides: Record<string, FakeRoute> = {}) {
  return fakeServer({
    'GET /workspaces/w1/credits': { body: { balance: 1234, available: 1200 } },
    [`GET ${USAGE}`]: (request) => ({ body: { by: request.query.get('by'), from: request.query.get('from'), to: request.query.get('to'), items: request.query.get('by') === 'model' ? byModel : byDay } }),
    'GET /workspaces/w1/credits/ledger': {
      body: {
        items: [
          { id: 'e2', workspaceId: 'w1', kind: 'usage', amount: -13, balanceAfter: 1234, key: 'call-1', meta: { model: 'gpt-4o-mini', inputTokens: 1000, outputTokens: 80 }, at: Date.now() },
          { id: 'e1', workspaceId: 'w1', kind: 'bonus', amount: 1247, balanceAfter: 1247, key: 'welcome', at: Date.now() - 60_000 },
        ],
      },
    },
    ...overrides,
  });
}

describe('UsagePage', () => {
  it('draws every day of the range, shows usage per model, the balance and the ledger', async () => {
    const { days, from, to } = lastDays(30, Date.now());
    const yesterday = days[28] ?? '';
    const today = days[29] ?? '';
    const server = usageServer(
      [
        { group: yesterday, credits: 30, calls: 2, inputTokens: 4000, outputTokens: 500 },
        { group: today, credits: 120, calls: 9, inputTokens: 12000, outputTokens: 2100 },
      ],
      [
        { group: 'claude-3-5-haiku', credits: 30, calls: 2, inputTokens: 4000, outputTokens: 500 },
        { group: 'gpt-4o-mini', credits: 120, calls: 9, inputTokens: 12000, outputTokens: 2100 },
      ],
    );
    renderWithApi(<UsagePage ws="w1" />, server);

    const chart = await screen.findByTestId('usage-by-day');
    const bars = [...chart.querySelectorAll('.usage-bar')];
    expect(bars).toHaveLength(30);
    expect(bars.filter((bar) => bar.getAttribute('data-credits') === '0')).toHaveLength(28);
    const todayBar = chart.querySelector(`[data-day="${today}"]`);
    expect(todayBar?.querySelector('title')?.textContent).toMatch(/120 credits, 9 calls/);
    const height = (day: string) => Number(chart.querySelector(`[data-day="${day}"] .usage-bar-fill`)?.getAttribute('height'));
    expect(height(today)).toBeCloseTo(height(yesterday) * 4);
    expect(height(days[0] ?? '')).toBe(0);

    // The biggest spender first, with its calls and tokens.
    const models = within(screen.getByTestId('usage-by-model')).getAllByRole('row').slice(1);
    expect(models.map((r) => r.querySelector('th')?.textContent)).toEqual(['gpt-4o-mini', 'claude-3-5-haiku']);
    expect(models[0]?.textContent).toContain('12,000');
    expect(models[0]?.textContent).toContain('2,100');

    expect(screen.getByTestId('usage-total').textContent).toBe('150 credits');
    await waitFor(() => expect(screen.getByTestId('usage-balance').textContent).toBe('1,234 credits'));
    expect(screen.getByText(/1,200 available/)).toBeTruthy();
    const ledger = await screen.findByTestId('usage-ledger');
    expect(ledger.textContent).toContain('-13');
    expect(ledger.textContent).toContain('+1,247');
    expect(ledger.textContent).toContain('gpt-4o-mini (1,000 in, 80 out)');

    expect(server.sent('GET', USAGE).map((r) => [r.query.get('by'), r.query.get('from'), r.query.get('to')])).toEqual(
      expect.arrayContaining([
        ['day', from, to],
        ['model', from, to],
      ]),
    );
  });

  it('asks again for the chosen range and draws that many days', async () => {
    const server = usageServer([{ group: lastDays(1, Date.now()).from, credits: 5, calls: 1, inputTokens: 10, outputTokens: 10 }], []);
    renderWithApi(<UsagePage ws="w1" />, server);
    await screen.findByTestId('usage-by-day');
    fireEvent.click(screen.getByTestId('usage-range-7'));
    expect(screen.getByTestId('usage-range-7').getAttribute('aria-pressed')).toBe('true');
    await waitFor(() => expect(screen.getByTestId('usage-by-day').querySelectorAll('.usage-bar')).toHaveLength(7));
    expect(server.sent('GET', USAGE).some((r) => r.query.get('from') === lastDays(7, Date.now()).from)).toBe(true);
  });

  it('says so when nothing was used yet', async () => {
    renderWithApi(<UsagePage ws="w1" />, usageServer([], []));
    expect((await screen.findByTestId('usage-empty')).textContent).toMatch(/No usage yet in the last 30 days/);
    expect(screen.queryByTestId('usage-by-day')).toBeNull();
    expect(await screen.findByText(/No model was called/)).toBeTruthy();
  });

  it("shows the server's message when usage cannot be read", async () => {
    const server = usageServer([], [], { [`GET ${USAGE}`]: apiError(403, 'forbidden', 'viewers cannot read the usage of this workspace') });
    renderWithApi(<UsagePage ws="w1" />, server);
    await waitFor(() => expect(screen.getAllByRole('alert').map((a) => a.textContent)).toEqual([expect.stringMatching(/Usage per day could not be loaded: viewers cannot read/), expect.stringMatching(/Usage per model could not be loaded: viewers cannot read/)]));
    expect(screen.queryByTestId('usage-by-day')).toBeNull();
  });
});
