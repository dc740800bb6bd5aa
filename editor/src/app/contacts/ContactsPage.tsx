import { useContact, useContacts, useContactSessions, type Contact } from '../../api/index.js';
import { EmptyRow, LoadMoreButton, QueryStatus, RefreshButton } from '../components/ListParts.js';
import { formatTime } from '../components/format.js';
import { hrefOf } from '../router.js';
import { contactLabel, varsPreview } from './contact-vars.js';
import './contacts.css';

function VarsPreview({ vars }: { vars: Record<string, unknown> }) {
  const { pairs, more } = varsPreview(vars);
  if (pairs.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="vars-preview">
      {pairs.map((p) => (
        <li key={p.name}>
          <code>{p.name}</code> {p.value}
        </li>
      ))}
      {more > 0 && <li className="muted">+{more} more</li>}
    </ul>
  );
}

/** Everyone who wrote to the workspace, on any channel, most recently seen first as the server orders them. */
export function ContactsPage({ ws }: { ws: string }) {
  const contacts = useContacts(ws);
  const items = contacts.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="page" data-testid="contacts-page">
      <div className="page-header">
        <h1>Contacts</h1>
        <div className="page-actions">
          <RefreshButton query={contacts} />
        </div>
      </div>
      <QueryStatus query={contacts} loading="Loading contacts…" errorTitle="The contacts could not be loaded" />
      {contacts.data !== undefined && (
        <table className="table" data-testid="contacts-list">
          <caption className="visually-hidden">Contacts</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Channel</th>
              <th scope="col">Id on the channel</th>
              <th scope="col">First seen</th>
              <th scope="col">Last seen</th>
              <th scope="col">Variables</th>
            </tr>
          </thead>
          <tbody>
            {items.length === 0 && <EmptyRow colSpan={6}>No contacts yet. Everyone who writes to a deployment (web widget, WhatsApp, API) becomes one.</EmptyRow>}
            {items.map((c) => (
              <tr key={c.id} data-testid={`contact-row-${c.id}`}>
                <th scope="row">
                  <a href={hrefOf({ name: 'contact', ws, contactId: c.id })} data-testid={`contact-open-${c.id}`}>
                    {c.name !== undefined && c.name !== '' ? c.name : <span className="muted">no name</span>}
                  </a>
                </th>
                <td>{c.channel}</td>
                <td>
                  <code>{c.externalId}</code>
                </td>
                <td>{formatTime(c.firstSeenAt)}</td>
                <td>{formatTime(c.lastSeenAt)}</td>
                <td>
                  <VarsPreview vars={c.vars} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton query={contacts} testId="contacts-more" />
    </div>
  );
}

function ContactFacts({ contact }: { contact: Contact }) {
  const names = Object.keys(contact.vars).sort();
  return (
    <>
      <dl className="facts" data-testid="contact-facts">
        <dt>Name</dt>
        <dd>{contact.name ?? <span className="muted">not known</span>}</dd>
        <dt>Channel</dt>
        <dd>{contact.channel}</dd>
        <dt>Id on the channel</dt>
        <dd>
          <code>{contact.externalId}</code>
        </dd>
        <dt>First seen</dt>
        <dd>{formatTime(contact.firstSeenAt)}</dd>
        <dt>Last seen</dt>
        <dd>{formatTime(contact.lastSeenAt)}</dd>
      </dl>
      <section aria-labelledby="contact-vars-title">
        <h2 id="contact-vars-title">Variables</h2>
        {names.length === 0 ? (
          <p className="empty">No variables yet. Flows add them (e.g. a name or an email they asked for).</p>
        ) : (
          <table className="table" data-testid="contact-vars">
            <caption className="visually-hidden">Variables flows collected</caption>
            <thead>
              <tr>
                <th scope="col">Variable</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {names.map((name) => (
                <tr key={name}>
                  <th scope="row">
                    <code>{name}</code>
                  </th>
                  <td>
                    <pre className="var-value">{typeof contact.vars[name] === 'string' ? (contact.vars[name] as string) : JSON.stringify(contact.vars[name], null, 2)}</pre>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

function ContactSessions({ ws, contactId }: { ws: string; contactId: string }) {
  const sessions = useContactSessions(ws, contactId);
  const items = sessions.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="contact-sessions-title">
      <h2 id="contact-sessions-title">Conversations</h2>
      <QueryStatus query={sessions} loading="Loading conversations…" errorTitle="The conversations could not be loaded" />
      {sessions.data !== undefined && (
        <table className="table" data-testid="contact-sessions">
          <caption className="visually-hidden">Conversations of this contact, newest activity first</caption>
          <thead>
            <tr>
              <th scope="col">Conversation</th>
              <th scope="col">Channel</th>
              <th scope="col">Deployment</th>
              <th scope="col">Started</th>
              <th scope="col">Last activity</th>
            </tr>
          </thead>
          <tbody>
            {items.length === 0 && <EmptyRow colSpan={5}>No conversations.</EmptyRow>}
            {items.map((s) => (
              <tr key={s.id} data-testid={`contact-session-${s.id}`}>
                <td>
                  <a href={hrefOf({ name: 'session', ws, sessionId: s.id })} data-testid={`contact-session-open-${s.id}`}>
                    <code>{s.id.slice(0, 12)}</code>
                  </a>
                </td>
                <td>{s.channel}</td>
                <td>
                  <code>{s.deploymentId.slice(0, 12)}</code>
                </td>
                <td>{formatTime(s.createdAt)}</td>
                <td>{formatTime(s.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton query={sessions} />
    </section>
  );
}

/** One contact: who they are, what flows collected about them, and their conversations. */
export function ContactPage({ ws, contactId }: { ws: string; contactId: string }) {
  const contact = useContact(ws, contactId);
  return (
    <div className="page" data-testid="contact-page">
      <p>
        <a href={hrefOf({ name: 'contacts', ws })}>← All contacts</a>
      </p>
      <div className="page-header">
        <h1>{contact.data === undefined ? 'Contact' : contactLabel(contact.data)}</h1>
      </div>
      <QueryStatus query={contact} loading="Loading the contact…" errorTitle="The contact could not be loaded" />
      {contact.data !== undefined && <ContactFacts contact={contact.data} />}
      <ContactSessions ws={ws} contactId={contactId} />
    </div>
  );
}
