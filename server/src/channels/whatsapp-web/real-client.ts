import type { ClientInit, WhatsAppClientLike, WhatsAppMediaLike } from './types.js';

/** WhatsApp's own cap for photos and videos. */
const MAX_MEDIA_BYTES = 16 * 1024 * 1024;

interface WhatsAppWebModule {
  Client: new (options: Record<string, unknown>) => WhatsAppClientLike;
  LocalAuth: new (options: { clientId: string; dataPath: string }) => unknown;
  MessageMedia: { fromUrl(url: string, options: Record<string, unknown>): Promise<WhatsAppMediaLike> };
}

/** whatsapp-web.js pulls in puppeteer: loaded on first use, never by tests that inject a client. */
async function loadWhatsAppWeb(): Promise<WhatsAppWebModule> {
  const loaded = (await import('whatsapp-web.js')) as unknown as { default?: WhatsAppWebModule } & WhatsAppWebModule;
  return loaded.default ?? loaded;
}

/**
 * The real client: whatsapp-web.js's `Client` on the system Chromium, the login kept by
 * `LocalAuth` in `<dataPath>/session-<clientId>`, and the WhatsApp Web version cache next to it
 * (its default is the working directory). `mediaFromUrl` is added for the adapter.
 */
export async function createRealClient(init: ClientInit & { webCachePath: string }): Promise<WhatsAppClientLike> {
  const { Client, LocalAuth, MessageMedia } = await loadWhatsAppWeb();
  const client = new Client({
    authStrategy: new LocalAuth({ clientId: init.clientId, dataPath: init.dataPath }),
    puppeteer: { executablePath: init.chromiumPath, headless: true, args: ['--no-sandbox'] },
    webVersionCache: { type: 'local', path: init.webCachePath },
  });
  client.mediaFromUrl = (url) => MessageMedia.fromUrl(url, { unsafeMime: true, reqOptions: { size: MAX_MEDIA_BYTES } });
  return client;
}
