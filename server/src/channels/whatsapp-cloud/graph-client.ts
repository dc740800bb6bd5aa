import { NexusError } from '@nexusflow/engine';
import type { WhatsAppCloudConfig } from './config.js';
import type { GraphMessage } from './outbound.js';

/** How long one Graph API call may take before it counts as failed. */
const REQUEST_TIMEOUT_MS = 15_000;

/** Graph error codes with a meaning of their own (developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes). */
const WINDOW_CLOSED_CODES = new Set([131047]);
const RATE_LIMIT_CODES = new Set([4, 80007, 130429, 131048, 131056]);
const TOKEN_CODES = new Set([190]);

export interface GraphClient {
  /** Sends one message; answers WhatsApp's id for it (`wamid.…`). Failures are `NexusError`s. */
  sendMessage(message: GraphMessage): Promise<{ wamid: string }>;
}

/** The Graph API of one phone number, at the connection's base URL and version. */
export function createGraphClient(config: WhatsAppCloudConfig, fetchImpl: typeof fetch = fetch): GraphClient {
  const url = `${config.graphBaseUrl}/${config.apiVersion}/${config.phoneNumberId}/messages`;
  return {
    async sendMessage(message) {
      let response: Response;
      try {
        response = await fetchImpl(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${config.accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(message),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        throw new NexusError('channel_send_failed', `could not reach the WhatsApp Cloud API at ${config.graphBaseUrl}: ${(error as Error).message}`, { cause: error });
      }
      const text = await response.text().catch(() => '');
      const answer = parseJson(text);
      if (!response.ok) throw graphError(response.status, answer, text);
      const wamid = firstMessageId(answer);
      if (wamid === undefined) throw new NexusError('channel_send_failed', `the WhatsApp Cloud API answered HTTP ${response.status} without a message id: ${text.slice(0, 200)}`);
      return { wamid };
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function firstMessageId(answer: unknown): string | undefined {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const messages = (answer as { messages?: unknown }).messages;
  const id = Array.isArray(messages) ? (messages[0] as { id?: unknown } | undefined)?.id : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** A Graph error answer as a `NexusError` naming Meta's code and message, with a code flows can branch on. */
function graphError(status: number, answer: unknown, text: string): NexusError {
  const error = (answer as { error?: { message?: unknown; code?: unknown; error_subcode?: unknown; error_data?: { details?: unknown } } } | undefined)?.error;
  const code = typeof error?.code === 'number' ? error.code : undefined;
  const said = typeof error?.message === 'string' ? error.message : text.slice(0, 200) || 'no details';
  const details = typeof error?.error_data?.details === 'string' ? ` (${error.error_data.details})` : '';
  const what = `the WhatsApp Cloud API refused the message (HTTP ${status}${code === undefined ? '' : `, code ${code}`}${typeof error?.error_subcode === 'number' ? `/${error.error_subcode}` : ''}): ${said}${details}`;
  if (code !== undefined && WINDOW_CLOSED_CODES.has(code)) {
    return new NexusError('channel_window_closed', `${what}. WhatsApp only allows free-form messages within 24 hours of the contact's last message; use an approved template`);
  }
  if ((code !== undefined && RATE_LIMIT_CODES.has(code)) || status === 429) return new NexusError('channel_rate_limited', `${what}. Send fewer messages and retry later`);
  if (code !== undefined && TOKEN_CODES.has(code)) return new NexusError('channel_send_failed', `${what}. The accessToken was refused: put a valid token in the channel settings`);
  return new NexusError('channel_send_failed', what);
}
