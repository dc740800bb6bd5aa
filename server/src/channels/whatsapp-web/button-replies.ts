import type { OutboundMessage } from '@nexusflow/engine';

type Buttons = NonNullable<OutboundMessage['buttons']>;

/** Buttons are remembered this long: an answer days later is just text. */
const KEEP_MS = 24 * 60 * 60_000;
const MAX_CONTACTS = 10_000;

/**
 * Buttons go out as a numbered list (outbound.ts); when the contact answers with a number or a
 * button's title, the turn gets that button as if it had been pressed: its title as text and its
 * payload. Kept in memory: after a restart the answer arrives as plain text.
 */
export function createButtonReplies(now: () => number) {
  const offered = new Map<string, { buttons: Buttons; at: number }>();
  return {
    offer(contact: string, buttons: Buttons | undefined): void {
      if (buttons === undefined || buttons.length === 0) return;
      offered.delete(contact);
      offered.set(contact, { buttons, at: now() });
      if (offered.size > MAX_CONTACTS) offered.delete(offered.keys().next().value!);
    },
    /** The pressed button for an answer, if the answer names one. */
    match(contact: string, text: string): { title: string; payload?: string } | undefined {
      const entry = offered.get(contact);
      if (entry === undefined) return undefined;
      if (entry.at < now() - KEEP_MS) {
        offered.delete(contact);
        return undefined;
      }
      const answer = text.trim().replace(/[.)]$/, '').toLowerCase();
      const index = /^[0-9]{1,2}$/.test(answer) ? Number(answer) - 1 : entry.buttons.findIndex((b) => b.title.trim().toLowerCase() === answer);
      const button = entry.buttons[index];
      if (button === undefined) return undefined;
      offered.delete(contact);
      return button.payload === undefined ? { title: button.title } : { title: button.title, payload: button.payload };
    },
  };
}
