import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Contact, SessionSummary } from '../../api/index.js';
import { apiError, fakeServer, renderWithApi } from '../testing/fake-api.js';
import { ContactPage, ContactsPage } from './ContactsPage.js';

afterEach(cleanup);

const SEEN = Date.UTC(2025, 4, 6, 9, 0);
const ADA: Contact = { id: 'ct1', workspaceId: 'w1', channel: 'whatsapp', externalId: '4915112345678@c.us', name: 'Ada', vars: { plan: 'pro', email: 'ada@example.com', orders: [1, 2], zip: '10115' }, firstSeenAt: SEEN, lastSeenAt: SEEN + 3_600_000 };
const ANON: Contact = { id: 'ct2', workspaceId: 'w1', channel: 'web', externalId: 'anon-7f3a9c1d2e4b5a6c', vars: {}, firstSeenAt: SEEN, lastSeenAt: SEEN };
const SESSION: SessionSummary = { id: 'sess-whatsapp-1', deploymentId: 'dep-support-1', contactId: 'ct1', channel: 'whatsapp', versionId: 'v1', createdAt: SEEN, updatedAt: SEEN + 60_000 };

describe('ContactsPage', () => {
  it('lists contacts with channel, id on the channel, first and last seen, and their variables, a page at a time', async () => {
    const server = fakeServer({
      'GET /workspaces/w1/contacts': (request) => (request.query.get('cursor') === 'p2' ? { body: { items: [ANON] } } : { body: { items: [ADA], next: 'p2' } }),
    });
    renderWithApi(<ContactsPage ws="w1" />, server);
    const row = await screen.findByTestId('contact-row-ct1');
    const cells = [...row.querySelectorAll('th, td')].map((c) => c.textContent);
    expect(cells[0]).toBe('Ada');
    expect(cells[1]).toBe('whatsapp');
    expect(cells[2]).toBe('4915112345678@c.us');
    expect(cells[3]).not.toBe(cells[4]);
    expect(cells[5]).toBe('email ada@example.comorders [1,2]plan pro+1 more');
    expect(within(row).getByTestId('contact-open-ct1').getAttribute('href')).toBe('#/w/w1/contacts/ct1');

    fireEvent.click(screen.getByTestId('contacts-more'));
    const anon = await screen.findByTestId('contact-row-ct2');
    expect(anon.textContent).toContain('no name');
    expect(anon.textContent).toContain('none');
    expect(screen.queryByTestId('contacts-more')).toBeNull();
  });

  it('opens a contact: their facts, every variable, and their conversations with links to them', async () => {
    const server = fakeServer({
      'GET /workspaces/w1/contacts/ct1': { body: ADA },
      'GET /workspaces/w1/sessions': (request) => ({ body: { items: request.query.get('contactId') === 'ct1' ? [SESSION] : [] } }),
    });
    renderWithApi(<ContactPage ws="w1" contactId="ct1" />, server);
    expect((await screen.findByRole('heading', { level: 1 })).textContent).toBe('Contact');
    await waitFor(() => expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Ada'));
    expect(screen.getByTestId('contact-facts').textContent).toContain('4915112345678@c.us');
    const vars = screen.getByTestId('contact-vars');
    expect([...vars.querySelectorAll('tbody tr')].map((tr) => tr.textContent)).toEqual(['emailada@example.com', 'orders[\n  1,\n  2\n]', 'planpro', 'zip10115']);
    const conversation = await screen.findByTestId('contact-session-sess-whatsapp-1');
    expect(within(conversation).getByTestId('contact-session-open-sess-whatsapp-1').getAttribute('href')).toBe('#/w/w1/sessions/sess-whatsapp-1');
    expect(server.sent('GET', '/workspaces/w1/sessions')[0]!.query.get('contactId')).toBe('ct1');
  });

  it('says when a contact is not there', async () => {
    const server = fakeServer({
      'GET /workspaces/w1/contacts/gone': apiError(404, 'not_found', 'no contact gone in this workspace'),
      'GET /workspaces/w1/sessions': { body: { items: [] } },
    });
    renderWithApi(<ContactPage ws="w1" contactId="gone" />, server);
    expect((await screen.findByRole('alert')).textContent).toContain('The contact could not be loaded: no contact gone in this workspace');
  });
});
