/**
 * The server's default sending limits of a WhatsApp Web connection (mirrors `DEFAULT_LIMITS` of
 * server/src/channels/whatsapp-web/types.ts; the editor does not import the server).
 */
export const WHATSAPP_WEB_LIMITS = { minIntervalMs: 1_000, perContactPerMinute: 12, perConnectionPerHour: 300, newContactsPerHour: 20 } as const;

/**
 * What WhatsApp Web costs in risk. whatsapp-web.js drives WhatsApp's own web app: it is not an
 * official API, and WhatsApp bans numbers that look like bulk senders.
 */
export function BanRiskNotice({ compact = false }: { compact?: boolean }) {
  if (compact) {
    return (
      <p className="notice notice-warn" data-testid="ban-risk-short">
        Unofficial client: WhatsApp may block this number if it messages many people who do not have it as a contact. Outbound messages are paced and capped.
      </p>
    );
  }
  return (
    <div className="notice notice-warn" role="note" data-testid="ban-risk">
      <strong className="notice-title">Risk of a ban.</strong> WhatsApp Web pairing uses an unofficial client (whatsapp-web.js driving WhatsApp's web app), not WhatsApp's API.
      <ul className="notice-details">
        <li>WhatsApp may block the number, for good, if it messages many people who have not saved it as a contact, or sends a lot in a short time.</li>
        <li>
          Nexus Flow paces and caps outbound messages: at least {WHATSAPP_WEB_LIMITS.minIntervalMs / 1000} s between sends, at most {WHATSAPP_WEB_LIMITS.perContactPerMinute} messages to one contact a minute,{' '}
          {WHATSAPP_WEB_LIMITS.perConnectionPerHour} per number an hour, and {WHATSAPP_WEB_LIMITS.newContactsPerHour} new contacts (people who never wrote to it) an hour. A flow that tries to send more gets a{' '}
          <code>channel_rate_limited</code> error in its trace.
        </li>
        <li>Use a number you can afford to lose, and answer people who wrote first. For production, use the WhatsApp Cloud API.</li>
      </ul>
    </div>
  );
}
