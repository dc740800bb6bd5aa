import { NexusError } from '@nexusflow/engine';
import type { ChannelMessageRepository } from '../../store/types.js';
import type { SendLimits } from './types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The caps that keep a number from looking like a spammer (W-11). Per contact and per connection
 * they count the sent-key table, so they hold across restarts; new contacts are counted here, in
 * this process (the table cannot count distinct contacts), so a restart forgets that window.
 */
export function createSendLimits(deps: { messages: ChannelMessageRepository; connectionId: string; limits: SendLimits; now: () => number }) {
  const { messages, connectionId, limits, now } = deps;
  /** Contacts first written to in the last hour, with when. */
  const newContacts = new Map<string, number>();

  function refuse(what: string): never {
    throw new NexusError('channel_rate_limited', `WhatsApp send refused: ${what}. The message was not sent; WhatsApp bans numbers that send too much, so send fewer messages or try again later.`);
  }

  return {
    /** Throws `channel_rate_limited` when one more message to `contact` would pass a cap; call before recording it. */
    async admit(contact: string): Promise<void> {
      const at = now();
      const toContact = await messages.countOutbound(connectionId, at - MINUTE, contact);
      if (toContact >= limits.perContactPerMinute) refuse(`at most ${limits.perContactPerMinute} messages per minute go to one contact (${contact} got ${toContact})`);
      const inHour = await messages.countOutbound(connectionId, at - HOUR, undefined);
      if (inHour >= limits.perConnectionPerHour) refuse(`at most ${limits.perConnectionPerHour} messages per hour go out of one WhatsApp number (${inHour} sent in the last hour)`);
      if (await isNewContact(contact)) {
        for (const [known, first] of newContacts) if (first <= at - HOUR) newContacts.delete(known);
        if (newContacts.size >= limits.newContactsPerHour) {
          refuse(`at most ${limits.newContactsPerHour} new contacts (who never wrote to this number) per hour may be messaged (${newContacts.size} in the last hour)`);
        }
        newContacts.set(contact, at);
      }
    },
  };

  async function isNewContact(contact: string): Promise<boolean> {
    if (newContacts.has(contact)) return false;
    if ((await messages.lastInbound(connectionId, contact)) !== undefined) return false;
    return (await messages.countOutbound(connectionId, 0, contact)) === 0;
  }
}
