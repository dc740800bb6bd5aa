import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Handoff, SessionDetail, TranscriptEntry } from '../../api/index.js';
import { SessionPage, SessionsPage } from '../pages/SessionsPage.js';
import { apiError, fakeServer, ME, renderWithApi, type FakeRoute } from '../testing/fake-api.js';
import { fakeStudio, renderLive } from '../testing/fake-studio.js';

afterEach(() => {
  cleanup();
  localStorage.clear();
});

const BASE = '/workspaces/w1/sessions/s1';
const TAKEN_AT = Date.UTC(2025, 4, 6, 9, 30);

function session(handoff?: Handoff): SessionDetail {
  return { id: 's1', deploymentId: 'd1', contactId: 'ct1', channel: 'whatsapp', versionId: 'v1', createdAt: 1, updatedAt: 2, status: 'idle', ...(handoff === undefined ? {} : { handoff }) };
}

const entry = (seq: number, role: TranscriptEntry['role'], text: string): TranscriptEntry => ({ seq, role, text, at: TAKEN_AT + seq });

/** A conversation on the fake server: its transcript grows and the handoff routes change it, as the real ones do. */
function conversationServer(routes: Record<string, FakeRoute> = {}, initial: { handoff?: Handoff } = {}) {
  let handoff = initial.handoff;
  const transcript = [entry(1, 'user', 'hello'), entry(2, 'bot', 'Hi! How can I help?')];
  const server = fakeServer({
    'GET /me': { body: ME },
    'GET /workspaces/w1/members': { body: { items: [{ userId: 'u1', name: 'Ada', email: 'ada@example.com', role: 'owner', createdAt: 0 }, { userId: 'u2', name: 'Grace', role: 'editor', createdAt: 0 }] } },
    [`GET ${BASE}`]: () => ({ body: session(handoff) }),
    [`GET ${BASE}/transcript`]: () => ({ body: { items: transcript } }),
    'GET /workspaces/w1/contacts/ct1': { body: { id: 'ct1', workspaceId: 'w1', channel: 'whatsapp', externalId: '4915112345678@c.us', name: 'Grace H.', vars: {}, firstSeenAt: 1, lastSeenAt: 2 } },
    // As the server answers: the session's id and who holds it now.
    [`POST ${BASE}/handoff`]: () => {
      handoff = { by: 'u1', at: TAKEN_AT };
      return { body: { id: 's1', handoff } };
    },
    [`DELETE ${BASE}/handoff`]: () => {
      handoff = undefined;
      return { body: { id: 's1' } };
    },
    ...routes,
  });
  return { server, transcript };
}

const texts = () => [...screen.getByTestId('transcript').querySelectorAll('[data-testid^="transcript-entry-"]')].map((li) => `${li.getAttribute('data-role')}: ${li.querySelector('.message-text')?.textContent}`);

describe('SessionPage, live', () => {
  it('follows the conversation as it happens: the contact’s messages, the typing indicator and the bot’s replies, each once', async () => {
    const { server } = conversationServer();
    const studio = fakeStudio();
    renderLive(<SessionPage ws="w1" sessionId="s1" />, server, studio);
    await screen.findByTestId('transcript-entry-2');
    await waitFor(() => expect(studio.emitted('watch').map((e) => e.payload)).toEqual([{ workspaceId: 'w1', sessionId: 's1' }]));
    await waitFor(() => expect(screen.getByTestId('transcript-live').getAttribute('data-state')).toBe('live'));

    await studio.push('message', { sessionId: 'another', seq: 3, role: 'user', text: 'not this conversation', at: TAKEN_AT + 3 });
    await studio.push('message', { sessionId: 's1', seq: 3, role: 'user', text: 'I want a person', at: TAKEN_AT + 3 });
    await studio.push('typing', { on: true });
    expect(screen.getByTestId('transcript-typing')).toBeTruthy();
    await studio.push('reply', { seq: 4, role: 'bot', text: 'Let me find someone.', at: TAKEN_AT + 4 });
    await studio.push('reply', { seq: 4, role: 'bot', text: 'Let me find someone.', at: TAKEN_AT + 4 });
    expect(screen.queryByTestId('transcript-typing')).toBeNull();
    expect(texts()).toEqual(['user: hello', 'bot: Hi! How can I help?', 'user: I want a person', 'bot: Let me find someone.']);
  });

  it('shows at once when another operator takes the conversation over or hands it back', async () => {
    const { server } = conversationServer();
    const studio = fakeStudio();
    renderLive(<SessionPage ws="w1" sessionId="s1" />, server, studio);
    await screen.findByTestId('handoff-take');
    await waitFor(() => expect(studio.emitted('watch')).toHaveLength(1));
    await studio.push('handoff', { sessionId: 'other', handoff: { by: 'u2', at: TAKEN_AT } });
    expect(screen.getByTestId('handoff-bar').getAttribute('data-taken-over')).toBe('false');
    await studio.push('handoff', { sessionId: 's1', handoff: { by: 'u2', at: TAKEN_AT } });
    await waitFor(() => expect(screen.getByTestId('handoff-banner-text').textContent).toContain('Taken over by Grace'));
    expect(screen.getByTestId('operator-composer')).toBeTruthy();
    await studio.push('handoff', { sessionId: 's1' });
    expect(screen.getByTestId('handoff-bar').getAttribute('data-taken-over')).toBe('false');
    expect(screen.queryByTestId('operator-composer')).toBeNull();
  });

  it('fetches what was said while the live connection was down, and watches again', async () => {
    const { server, transcript } = conversationServer();
    const studio = fakeStudio();
    renderLive(<SessionPage ws="w1" sessionId="s1" />, server, studio);
    await screen.findByTestId('transcript-entry-2');
    await waitFor(() => expect(studio.emitted('watch')).toHaveLength(1));
    transcript.push(entry(3, 'user', 'said while away'));
    studio.reconnect();
    expect((await screen.findByTestId('transcript-entry-3')).textContent).toContain('said while away');
    expect(studio.emitted('watch')).toHaveLength(2);
  });

  it('takes over, sends an operator message that looks like a person’s, explains a closed 24-hour window, and hands back', async () => {
    let sends = 0;
    const { server } = conversationServer({
      [`POST ${BASE}/messages`]: (request) => {
        sends += 1;
        if (sends === 2) return apiError(422, 'channel_window_closed', 'the contact last wrote more than 24 hours ago; WhatsApp refuses free-form messages');
        return { status: 201, body: { seq: 3, role: 'operator', text: (request.body as { text: string }).text, at: TAKEN_AT + 60_000 } };
      },
    });
    const studio = fakeStudio();
    renderLive(<SessionPage ws="w1" sessionId="s1" />, server, studio);
    await screen.findByTestId('transcript-entry-2');
    expect(screen.queryByTestId('operator-composer')).toBeNull();
    expect(screen.getByTestId('handoff-bar').textContent).toContain('The flow answers this conversation');

    fireEvent.click(await screen.findByTestId('handoff-take'));
    await waitFor(() => expect(screen.getByTestId('handoff-bar').getAttribute('data-taken-over')).toBe('true'));
    expect(server.sent('POST', `${BASE}/handoff`)).toHaveLength(1);
    await waitFor(() => expect(screen.getByTestId('handoff-banner-text').textContent).toMatch(/^Taken over by you since .+\. The flow is paused for this contact/));

    const input = screen.getByTestId('operator-input') as HTMLTextAreaElement;
    fireEvent.change(input, { target: { value: '  Ada here, I can help.  ' } });
    fireEvent.click(screen.getByTestId('operator-send'));
    const sent = await screen.findByTestId('transcript-entry-3');
    expect(server.sent('POST', `${BASE}/messages`)[0]!.body).toEqual({ text: 'Ada here, I can help.' });
    expect(sent.getAttribute('data-role')).toBe('operator');
    expect(sent.className).toContain('message-operator');
    expect(sent.querySelector('.message-role')!.textContent).toBe('Operator');
    expect(input.value).toBe('');
    // The same entry also comes back over the socket: still shown once.
    await studio.push('reply', { seq: 3, role: 'operator', text: 'Ada here, I can help.', at: TAKEN_AT + 60_000 });
    expect(texts().filter((t) => t.startsWith('operator'))).toEqual(['operator: Ada here, I can help.']);

    fireEvent.change(input, { target: { value: 'Are you still there?' } });
    fireEvent.keyDown(input, { key: 'Enter', ctrlKey: true });
    const refusal = await screen.findByTestId('operator-error');
    expect(refusal.getAttribute('role')).toBe('alert');
    expect(refusal.textContent).toContain("outside WhatsApp's 24-hour window");
    expect(refusal.textContent).toContain('the contact last wrote more than 24 hours ago');
    expect(input.value).toBe('Are you still there?');

    fireEvent.click(screen.getByTestId('handoff-release'));
    await waitFor(() => expect(screen.getByTestId('handoff-bar').getAttribute('data-taken-over')).toBe('false'));
    expect(server.sent('DELETE', `${BASE}/handoff`)).toHaveLength(1);
    expect(screen.queryByTestId('operator-composer')).toBeNull();
  });

  it('names the member who took it over, and says so when a send finds it handed back meanwhile', async () => {
    const { server } = conversationServer(
      { [`POST ${BASE}/messages`]: apiError(409, 'handoff_required', 'take the conversation over before answering') },
      { handoff: { by: 'u2', at: TAKEN_AT } },
    );
    renderLive(<SessionPage ws="w1" sessionId="s1" />, server, fakeStudio());
    await waitFor(() => expect(screen.getByTestId('handoff-banner-text').textContent).toContain('Taken over by Grace'));
    fireEvent.change(screen.getByTestId('operator-input'), { target: { value: 'hello' } });
    fireEvent.click(screen.getByTestId('operator-send'));
    const refusal = await screen.findByTestId('operator-error');
    expect(refusal.textContent).toContain('the conversation is not taken over');
    const contact = within(screen.getByTestId('session-facts')).getByTestId('session-contact');
    expect(contact.getAttribute('href')).toBe('#/w/w1/contacts/ct1');
    await waitFor(() => expect(contact.textContent).toBe('Grace H. 4915112345678@c.us'));
  });

  it('shows why taking over was refused', async () => {
    const { server } = conversationServer({ [`POST ${BASE}/handoff`]: apiError(403, 'forbidden', 'taking conversations over needs the editor role') });
    renderLive(<SessionPage ws="w1" sessionId="s1" />, server, fakeStudio());
    fireEvent.click(await screen.findByTestId('handoff-take'));
    expect((await screen.findByTestId('handoff-error')).textContent).toBe('The conversation was not taken over: taking conversations over needs the editor rolerequest id req-test');
  });
});

describe('SessionsPage', () => {
  it('marks the conversations an operator has taken over', async () => {
    const server = fakeServer({
      'GET /me': { body: ME },
      'GET /workspaces/w1/sessions': {
        body: {
          items: [
            { id: 's1', deploymentId: 'd1', contactId: 'ct1', channel: 'whatsapp', versionId: 'v1', createdAt: 1, updatedAt: 2, handoff: { by: 'u1', at: TAKEN_AT } },
            { id: 's2', deploymentId: 'd1', contactId: 'ct2', channel: 'web', versionId: 'v1', createdAt: 1, updatedAt: 2 },
          ],
        },
      },
    });
    renderWithApi(<SessionsPage ws="w1" />, server);
    await screen.findByTestId('session-row-s1');
    expect(screen.getByTestId('session-handoff-s1').textContent).toBe('operator');
    expect(screen.queryByTestId('session-handoff-s2')).toBeNull();
  });
});
