/**
 * HTTP client of a hosting platform's API (the protocol is described in platform-target.ts). Every
 * call is bounded in time and size and fails with a {@link PlatformError} whose sentence says which
 * call failed and why, without the token.
 */

export interface PlatformConfig {
  /** Base URL of the platform's API, e.g. https://api.hosting.example (DEPLOY_PLATFORM_URL). */
  url: string;
  /** Bearer token of the platform account (DEPLOY_PLATFORM_TOKEN). */
  token: string;
}

export interface DatabaseCredentials {
  url?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
}

export interface ServiceState {
  /** `created`, `starting`, `live` or `failed` (other values are read as still on the way). */
  status: string;
  url?: string;
  /** The platform's sentence when it failed. */
  error?: string;
}

export interface PlatformApi {
  createDatabase(input: { name: string; idempotencyKey: string }): Promise<{ id: string; credentials: DatabaseCredentials }>;
  createService(input: { name: string; databaseId?: string; idempotencyKey: string }): Promise<{ id: string }>;
  uploadFiles(serviceId: string, files: { path: string; content: string }[]): Promise<void>;
  startService(serviceId: string): Promise<void>;
  serviceState(serviceId: string): Promise<ServiceState>;
}

/** Which protocol call failed: recorded with a failed deployment (`detail.failedStep`). */
export type PlatformStep = 'database' | 'service' | 'upload' | 'start' | 'status';

export class PlatformError extends Error {
  constructor(
    readonly step: PlatformStep,
    message: string,
    /** The HTTP status, when the platform answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PlatformError';
  }
}

const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
const MAX_ANSWER_BYTES = 1024 * 1024;
/** Ids the platform hands out become URL path segments. */
const PLATFORM_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

const WHAT: Record<PlatformStep, string> = {
  database: 'provisioning the database',
  service: 'creating the service',
  upload: 'uploading the files',
  start: 'starting the service',
  status: 'reading the service status',
};

function idOf(step: PlatformStep, answer: unknown): string {
  const id = (answer as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string' || !PLATFORM_ID.test(id)) throw new PlatformError(step, `${WHAT[step]}: the platform answered without a usable id (${JSON.stringify(id)?.slice(0, 80)})`);
  return id;
}

function plainText(value: unknown, max = 300): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.replace(/\s+/g, ' ').trim().slice(0, max) : undefined;
}

export interface PlatformApiOptions extends PlatformConfig {
  /** Longest one HTTP call may take (default 15 s). */
  requestTimeoutMs?: number;
}

/**
 * @example
 * const api = createPlatformApi({ url: 'https://api.hosting.example', token });
 * const { id } = await api.createService({ name: 'shop-v1', idempotencyKey: key });
 */
export function createPlatformApi(options: PlatformApiOptions): PlatformApi {
  const base = options.url.replace(/\/+$/, '');
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;

  async function call(step: PlatformStep, method: string, route: string, body?: unknown, idempotencyKey?: string): Promise<unknown> {
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    let response: Response;
    try {
      response = await fetch(`${base}${route}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    } catch (error) {
      const cause = (error as Error).name === 'TimeoutError' ? `no answer within ${Math.round(timeoutMs / 1000)} s` : ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
      throw new PlatformError(step, `${WHAT[step]}: could not reach the hosting platform at ${base} (${cause})`);
    }
    const text = await response.text();
    if (text.length > MAX_ANSWER_BYTES) throw new PlatformError(step, `${WHAT[step]}: the platform's answer is larger than ${MAX_ANSWER_BYTES} bytes`, response.status);
    let answer: unknown;
    try {
      answer = text === '' ? undefined : JSON.parse(text);
    } catch {
      answer = undefined;
    }
    if (response.status === 401 || response.status === 403) {
      throw new PlatformError(step, `${WHAT[step]}: the hosting platform refused the token (HTTP ${response.status}); check DEPLOY_PLATFORM_TOKEN`, response.status);
    }
    if (!response.ok) {
      const said = plainText((answer as { message?: unknown } | undefined)?.message) ?? plainText(text, 200) ?? 'no message';
      throw new PlatformError(step, `${WHAT[step]}: the hosting platform answered HTTP ${response.status}: ${said}`, response.status);
    }
    return answer;
  }

  const segment = (step: PlatformStep, id: string) => {
    if (!PLATFORM_ID.test(id)) throw new PlatformError(step, `${WHAT[step]}: ${JSON.stringify(id.slice(0, 80))} is not a platform id`);
    return encodeURIComponent(id);
  };

  return {
    async createDatabase({ name, idempotencyKey }) {
      const answer = await call('database', 'POST', '/v1/databases', { name }, idempotencyKey);
      const credentials = (answer as { credentials?: unknown } | undefined)?.credentials;
      return { id: idOf('database', answer), credentials: typeof credentials === 'object' && credentials !== null ? (credentials as DatabaseCredentials) : {} };
    },
    async createService({ name, databaseId, idempotencyKey }) {
      const answer = await call('service', 'POST', '/v1/services', databaseId === undefined ? { name } : { name, databaseId }, idempotencyKey);
      return { id: idOf('service', answer) };
    },
    async uploadFiles(serviceId, files) {
      await call('upload', 'PUT', `/v1/services/${segment('upload', serviceId)}/files`, { files });
    },
    async startService(serviceId) {
      await call('start', 'POST', `/v1/services/${segment('start', serviceId)}/start`);
    },
    async serviceState(serviceId) {
      const answer = (await call('status', 'GET', `/v1/services/${segment('status', serviceId)}`)) as { status?: unknown; url?: unknown; error?: unknown } | undefined;
      const status = plainText(answer?.status, 40);
      if (status === undefined) throw new PlatformError('status', `${WHAT.status}: the platform answered without a status`);
      const state: ServiceState = { status };
      const url = plainText(answer?.url, 2000);
      if (url !== undefined) state.url = url;
      const error = plainText(answer?.error);
      if (error !== undefined) state.error = error;
      return state;
    },
  };
}
