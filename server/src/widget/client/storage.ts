/** What the widget remembers in the visitor's browser, per publishable key. */

const PREFIX = 'nexusflow-widget';
const CONTACT_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** Storage can be missing or throw (blocked cookies, private modes); the widget then forgets on reload. */
function safe(pick: () => Storage): Storage | undefined {
  try {
    const storage = pick();
    const probe = `${PREFIX}:probe`;
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return storage;
  } catch {
    return undefined;
  }
}

/** A random id of 24 URL-safe characters: what the server accepts as a contact id. */
export function randomId(length = 24): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  let id = '';
  for (const byte of bytes) id += alphabet[byte & 63];
  return id;
}

export interface WidgetMemory {
  /** The visitor's contact id for this deployment: the same after a reload, so the conversation goes on. */
  contactId(): string;
  wasOpen(): boolean;
  setOpen(open: boolean): void;
}

export function widgetMemory(publishableKey: string): WidgetMemory {
  const local = safe(() => window.localStorage);
  const session = safe(() => window.sessionStorage);
  const contactKey = `${PREFIX}:contact:${publishableKey}`;
  const openKey = `${PREFIX}:open:${publishableKey}`;
  let contact: string | undefined;
  return {
    contactId() {
      if (contact !== undefined) return contact;
      const stored = local?.getItem(contactKey) ?? null;
      contact = stored !== null && CONTACT_ID.test(stored) ? stored : randomId();
      if (stored !== contact) local?.setItem(contactKey, contact);
      return contact;
    },
    wasOpen: () => session?.getItem(openKey) === '1',
    setOpen(open) {
      if (open) session?.setItem(openKey, '1');
      else session?.removeItem(openKey);
    },
  };
}
