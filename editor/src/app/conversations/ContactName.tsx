import { useContact } from '../../api/index.js';
import { hrefOf } from '../router.js';

/** A conversation's contact as a link to their page: their name and id on the channel once loaded, else the contact id. */
export function ContactName({ ws, contactId }: { ws: string; contactId: string }) {
  const contact = useContact(ws, contactId);
  const data = contact.data;
  return (
    <a href={hrefOf({ name: 'contact', ws, contactId })} data-testid="session-contact">
      {data === undefined ? (
        <code>{contactId}</code>
      ) : (
        <>
          {data.name !== undefined && data.name !== '' && <span className="contact-name">{data.name} </span>}
          <code>{data.externalId}</code>
        </>
      )}
    </a>
  );
}
