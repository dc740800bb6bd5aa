export const DEFAULT_GRAPH_BASE_URL = 'https://graph.facebook.com';
export const DEFAULT_API_VERSION = 'v21.0';

/** The settings of a `whatsapp-cloud` connection, as Meta's app dashboard names them. */
export interface WhatsAppCloudConfig {
  /** The business phone number's id (digits), not the phone number itself. */
  phoneNumberId: string;
  /** Chosen by the workspace and typed into Meta's webhook settings; Meta echoes it in the handshake. */
  verifyToken: string;
  /** The Meta app's secret: webhooks are signed with it (`X-Hub-Signature-256`). */
  appSecret: string;
  /** A system user's access token with `whatsapp_business_messaging`. */
  accessToken: string;
  /** Where the Graph API is; tests point it at a local server. */
  graphBaseUrl: string;
  /** e.g. `v21.0`. */
  apiVersion: string;
}

/** Settings the editor shows as `********` (they authenticate to Meta or to us). */
export const WHATSAPP_CLOUD_SECRET_FIELDS = ['verifyToken', 'appSecret', 'accessToken'] as const;

/** The required settings, each with where to find it. */
const REQUIRED = {
  phoneNumberId: 'the "Phone number ID" under WhatsApp > API Setup in your Meta app',
  verifyToken: "any secret string you choose; enter the same one as the webhook's Verify token in your Meta app",
  appSecret: 'the "App secret" under App settings > Basic in your Meta app',
  accessToken: "a system user's access token with the whatsapp_business_messaging permission",
} as const;

/** What is wrong with a connection's settings: one sentence per field, empty when usable. */
export type ConfigCheck = { ok: true; config: WhatsAppCloudConfig } | { ok: false; problems: string[] };

/**
 * Reads and checks a `whatsapp-cloud` connection's settings. Missing or malformed fields are named
 * with what to put there, so the editor (and the connection's `failed` status) can say how to fix it.
 */
export function checkWhatsAppCloudConfig(config: Record<string, unknown>): ConfigCheck {
  const problems: string[] = [];
  const isMissing = (name: string) => config[name] === undefined || config[name] === null || (typeof config[name] === 'string' && config[name].trim() === '');
  const text = (name: string): string | undefined => {
    if (isMissing(name)) return undefined;
    const value = config[name];
    if (typeof value === 'string') return value.trim();
    problems.push(`${name} must be a string`);
    return undefined;
  };
  const values: Record<string, string | undefined> = {};
  for (const [name, where] of Object.entries(REQUIRED)) {
    if (isMissing(name)) problems.push(`${name} is missing: set it to ${where}`);
    values[name] = text(name);
  }
  const phoneNumberId = values.phoneNumberId;
  if (phoneNumberId !== undefined && !/^\d{1,32}$/.test(phoneNumberId)) {
    problems.push('phoneNumberId must be the digits of the "Phone number ID" in Meta\'s API setup (not the phone number with + or spaces)');
  }
  let graphBaseUrl = (text('graphBaseUrl') ?? DEFAULT_GRAPH_BASE_URL).replace(/\/+$/, '');
  if (!isHttpUrl(graphBaseUrl)) problems.push(`graphBaseUrl must be an http(s) URL without credentials, such as ${DEFAULT_GRAPH_BASE_URL}`);
  // A base URL pasted with its version (https://graph.facebook.com/v21.0) gives the version.
  const versionInUrl = /\/(v\d{1,3}\.\d{1,3})$/.exec(graphBaseUrl);
  if (versionInUrl !== null) graphBaseUrl = graphBaseUrl.slice(0, versionInUrl.index);
  const apiVersion = text('apiVersion') ?? versionInUrl?.[1] ?? DEFAULT_API_VERSION;
  if (!/^v\d{1,3}\.\d{1,3}$/.test(apiVersion)) problems.push(`apiVersion must look like ${DEFAULT_API_VERSION}`);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      phoneNumberId: phoneNumberId!,
      verifyToken: values.verifyToken!,
      appSecret: values.appSecret!,
      accessToken: values.accessToken!,
      graphBaseUrl,
      apiVersion,
    },
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '' && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}
