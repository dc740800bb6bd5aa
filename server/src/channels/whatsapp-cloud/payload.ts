/**
 * Reading Meta's webhook payloads (`object: whatsapp_business_account`). Only the shape is read
 * here; the signature was checked on the raw bytes before. Anything unexpected is skipped with a
 * reason rather than thrown: Meta retries a webhook that is not answered 200, so one odd entry
 * must not make it redeliver the rest forever.
 */

/** One message a contact sent, as kept in the inbox. */
export interface InboundEnvelope {
  /** WhatsApp's message id (`wamid.…`): the inbox's deduplication key. */
  wamid: string;
  /** The contact's WhatsApp id (their number, digits only). */
  from: string;
  /** The contact's profile name, when Meta sent it. */
  name?: string;
  /** Meta's timestamp of the message (epoch ms). */
  providerAt: number;
  /** The message object as Meta sent it (turned into text when processed). */
  message: Record<string, unknown>;
}

export type OutboundStatus = 'sent' | 'delivered' | 'read' | 'failed';

/** A delivery status of a message we sent. */
export interface StatusUpdate {
  /** The `wamid` the Graph API answered when we sent it. */
  providerId: string;
  status: OutboundStatus;
  recipient: string;
  /** For `failed`: Meta's error code and text. */
  error?: string;
}

export interface ParsedWebhook {
  messages: InboundEnvelope[];
  statuses: StatusUpdate[];
  /** Why parts of the payload were not used (logged, never fatal). */
  skipped: string[];
}

const STATUSES: readonly string[] = ['sent', 'delivered', 'read', 'failed'] satisfies OutboundStatus[];
/** Longest `wamid` accepted; real ones are about 60 characters. */
const MAX_ID_CHARS = 256;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const idText = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_CHARS ? value : undefined);

/** Seconds since the epoch, as Meta writes them (a string of digits), in ms; `undefined` if not that. */
function epochMsOf(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,12}$/.test(text)) return undefined;
  return Number(text) * 1000;
}

/**
 * Reads the messages and statuses of a webhook body meant for `phoneNumberId`. Changes for another
 * phone number of the same Meta app (one webhook URL serves every number of an app) are skipped.
 */
export function parseWebhook(body: unknown, phoneNumberId: string): ParsedWebhook {
  const parsed: ParsedWebhook = { messages: [], statuses: [], skipped: [] };
  if (!isObject(body) || body.object !== 'whatsapp_business_account') {
    parsed.skipped.push(`not a WhatsApp Business Account webhook (object: ${isObject(body) ? JSON.stringify(body.object) : typeof body})`);
    return parsed;
  }
  for (const entry of arrayOf(body.entry)) {
    for (const change of isObject(entry) ? arrayOf(entry.changes) : []) {
      if (!isObject(change) || change.field !== 'messages' || !isObject(change.value)) {
        parsed.skipped.push(`change of field ${isObject(change) ? JSON.stringify(change.field) : 'unknown'} ignored`);
        continue;
      }
      const value = change.value;
      const target = isObject(value.metadata) ? value.metadata.phone_number_id : undefined;
      if (target !== phoneNumberId) {
        parsed.skipped.push(`change for phone number id ${JSON.stringify(target)}, not this connection's`);
        continue;
      }
      readMessages(value, parsed);
      readStatuses(value, parsed);
    }
  }
  return parsed;
}

function readMessages(value: Json, parsed: ParsedWebhook): void {
  const names = new Map<string, string>();
  for (const contact of arrayOf(value.contacts)) {
    if (isObject(contact) && typeof contact.wa_id === 'string' && isObject(contact.profile) && typeof contact.profile.name === 'string') names.set(contact.wa_id, contact.profile.name);
  }
  for (const message of arrayOf(value.messages)) {
    if (!isObject(message)) {
      parsed.skipped.push('a message that is not an object');
      continue;
    }
    const wamid = idText(message.id);
    const from = idText(message.from);
    const providerAt = epochMsOf(message.timestamp);
    if (wamid === undefined || from === undefined || providerAt === undefined) {
      parsed.skipped.push(`a message without a usable id, from or timestamp (id ${JSON.stringify(message.id)})`);
      continue;
    }
    const name = names.get(from);
    parsed.messages.push({ wamid, from, providerAt, message, ...(name === undefined ? {} : { name }) });
  }
}

function readStatuses(value: Json, parsed: ParsedWebhook): void {
  for (const status of arrayOf(value.statuses)) {
    const providerId = isObject(status) ? idText(status.id) : undefined;
    if (!isObject(status) || providerId === undefined || typeof status.status !== 'string' || !STATUSES.includes(status.status)) {
      parsed.skipped.push(`a status that is not sent, delivered, read or failed (${isObject(status) ? JSON.stringify(status.status) : 'not an object'})`);
      continue;
    }
    const update: StatusUpdate = { providerId, status: status.status as OutboundStatus, recipient: typeof status.recipient_id === 'string' ? status.recipient_id : '' };
    if (status.status === 'failed') update.error = errorTextOf(status.errors);
    parsed.statuses.push(update);
  }
}

/** Meta's errors array as one line: `131026 Message undeliverable: <details>`. */
function errorTextOf(errors: unknown): string {
  const parts = arrayOf(errors)
    .filter(isObject)
    .map((error) => {
      const details = isObject(error.error_data) && typeof error.error_data.details === 'string' ? `: ${error.error_data.details}` : '';
      return `${String(error.code ?? '')} ${String(error.title ?? error.message ?? '')}${details}`.trim();
    });
  return parts.length > 0 ? parts.join('; ').slice(0, 1000) : 'failed (WhatsApp gave no reason)';
}

/** What a flow receives for one WhatsApp message, or why the message starts no turn. */
export type InboundContent = { text: string; payload?: unknown } | { ignore: string };

const MEDIA_TYPES = ['image', 'audio', 'video', 'document', 'sticker'] as const;
/** Message kinds that are not something the contact said to the flow. */
const IGNORED_TYPES: Record<string, string> = {
  reaction: 'a reaction to an earlier message',
  system: 'a system notice (such as a changed number)',
};

/**
 * Turns a WhatsApp message into what a flow receives: text stays text; a tapped button becomes its
 * title with its id as `payload` (the id is the `payload` of the button the flow sent, as on the web); media and other kinds become a short bracketed text (`[image]`)
 * with a `payload` describing them, so a flow can always answer.
 */
export function contentOf(message: Json): InboundContent {
  const type = typeof message.type === 'string' ? message.type : 'unknown';
  if (IGNORED_TYPES[type] !== undefined) return { ignore: IGNORED_TYPES[type] };
  const part = isObject(message[type]) ? (message[type] as Json) : {};
  const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
  switch (type) {
    case 'text':
      return { text: str(part.body) ?? '' };
    case 'interactive': {
      // button_reply (reply buttons) or list_reply (list rows): { id, title }.
      const reply = isObject(part.button_reply) ? part.button_reply : isObject(part.list_reply) ? part.list_reply : undefined;
      if (reply === undefined) return { text: '[interactive]', payload: { type: 'interactive' } };
      return { text: str(reply.title) ?? '', payload: str(reply.id) ?? str(reply.title) ?? '' };
    }
    case 'button':
      // A quick-reply button of a template message: { text, payload }.
      return { text: str(part.text) ?? '', payload: str(part.payload) ?? str(part.text) ?? '' };
    case 'location': {
      const place = [str(part.name), str(part.address)].filter((v) => v !== undefined).join(', ');
      return {
        text: `[location${place === '' ? '' : `: ${place}`}]`,
        payload: { type: 'location', latitude: part.latitude, longitude: part.longitude, ...(place === '' ? {} : { place }) },
      };
    }
    default:
      break;
  }
  if ((MEDIA_TYPES as readonly string[]).includes(type)) {
    const caption = str(part.caption);
    const filename = str(part.filename);
    const label = filename === undefined ? type : `${type}: ${filename}`;
    const media: Json = { id: str(part.id) ?? '' };
    if (str(part.mime_type) !== undefined) media.mimeType = part.mime_type;
    if (filename !== undefined) media.filename = filename;
    return { text: caption === undefined ? `[${label}]` : `[${label}] ${caption}`, payload: { type, media } };
  }
  return { text: `[${type}]`, payload: { type } };
}
