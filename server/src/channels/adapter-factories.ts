import type { Logger } from 'pino';
import type { ServerConfig } from '../config/config.js';
import type { Store } from '../store/types.js';
import type { AdapterFactory } from './channel-hub.js';
import type { ChannelKind } from '../store/types.js';
import { createWhatsAppCloudAdapter } from './whatsapp-cloud/index.js';
import { createWhatsAppWebAdapter, type WhatsAppWebAdapterOptions } from './whatsapp-web/index.js';

export interface ChannelOptions {
  /** Replaces whatsapp-web.js's Client (tests inject a fake with the same events and methods). */
  createWhatsAppClient?: WhatsAppWebAdapterOptions['createClient'];
  /** Outbound pacing and caps of WhatsApp Web connections (tests shorten the interval). */
  whatsappLimits?: WhatsAppWebAdapterOptions['limits'];
  /** Replaces `fetch` for the Cloud API's Graph calls. */
  fetch?: typeof fetch;
}

/** The adapters this server can run, by connection kind. */
export function adapterFactories(deps: { config: ServerConfig; store: Store; logger: Logger; now: () => number; options?: ChannelOptions }): Partial<Record<ChannelKind, AdapterFactory>> {
  const { config, store, logger, now, options = {} } = deps;
  return {
    whatsapp: (connection, inbound) =>
      createWhatsAppWebAdapter({
        connection,
        inbound,
        messages: store.channelMessages,
        dataDir: config.dataDir,
        logger,
        now,
        chromiumPath: config.whatsappChromiumPath,
        ...(options.createWhatsAppClient === undefined ? {} : { createClient: options.createWhatsAppClient }),
        ...(options.whatsappLimits === undefined ? {} : { limits: options.whatsappLimits }),
      }),
    'whatsapp-cloud': (connection, inbound) =>
      createWhatsAppCloudAdapter({
        connection,
        inbound,
        messages: store.channelMessages,
        logger: logger.child({ channel: 'whatsapp-cloud', connectionId: connection.id }),
        now,
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      }),
  };
}
