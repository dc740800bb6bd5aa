import { availableParallelism, totalmem } from 'node:os';
import path from 'node:path';

/** Everything the server reads from its environment, validated once at start. */
export interface ServerConfig {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  dataDir: string;
  mongodbUri?: string;
  redisUrl?: string;
  /** Prefix of every Redis key and channel, so installations can share one Redis. */
  redisKeyPrefix: string;
  /** How long a process that stopped answering keeps its conversations before another takes over. */
  clusterLeaseMs: number;
  /** Absent outside production: the server keeps a generated secret under `dataDir`. */
  jwtSecret?: string;
  jwtPrevious?: { secret: string; until: number };
  providers: {
    openai?: { apiKey: string; baseURL?: string };
    anthropic?: { apiKey: string; baseURL?: string };
  };
  /** Run LLM steps against the in-process provider-protocol server, even when keys are set. */
  offlineLlm: boolean;
  corsOrigins: string[];
  ratesFile?: string;
  logLevel: string;
  trustProxy: boolean | number;
  rateLimits: { perIpPerMinute: number; perKeyPerMinute: number; authFailures: number };
  shutdownGraceMs: number;
  /** Longest a client may take to send a request's headers (slow-loris guard, L-05). */
  httpHeadersTimeoutMs: number;
  sandboxWorkers: number;
  /** Create a demo workspace, user and the example flows on first start. */
  demo: boolean;
  paymentWebhookSecret?: string;
  /**
   * The address people and providers reach this server at (webhook URLs, generated apps' links);
   * absent: the address it listens on.
   */
  publicUrl?: string;
  /** The Chromium that WhatsApp Web connections drive (`/usr/bin/chromium` by default). */
  whatsappChromiumPath: string;
  /** The hosting platform of core/deploy's `platform` target; absent: only `local` publishes. */
  deployPlatform?: { url: string; token: string; pollIntervalMs: number; timeoutMs: number };
  /** Test-only crash points (`NEXUSFLOW_KILL_AT`), honoured only when `env` is `test`. */
  killAt: string[];
}

/** Worst case of one sandbox worker: Node itself, its warm isolates and one step at its 512 MiB cap. */
const WORKER_BUDGET_BYTES = 600 * 1024 * 1024;

/**
 * Sandbox workers sized to the machine: one per core (steps are CPU-bound), at most 8, and no more
 * than half the memory can hold at a worker's worst case.
 */
export function defaultSandboxWorkers(cores = availableParallelism(), memoryBytes = totalmem()): number {
  return Math.max(1, Math.min(cores, 8, Math.floor((memoryBytes * 0.5) / WORKER_BUDGET_BYTES)));
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`the server configuration has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee "Configuration" in README.md.`);
    this.name = 'ConfigError';
  }
}

/** The environment variables the server reads, with what each does (README "Configuration"). */
export const CONFIG_VARIABLES: Record<string, string> = {
  PORT: 'HTTP port (default 3000; 0 picks a free port)',
  HOST: 'interface to listen on (default 127.0.0.1; 0.0.0.0 in containers)',
  DATA_DIR: 'where the SQLite database and generated secrets live (default ./data)',
  MONGODB_URI: 'use MongoDB (a replica set) instead of SQLite',
  REDIS_URL: 'Redis for several server processes (scaling out)',
  REDIS_KEY_PREFIX: 'prefix of every Redis key and channel (default nf:)',
  CLUSTER_LEASE_MS: 'how long a server process that stopped answering keeps its conversations before another takes over (default 15000)',
  JWT_SECRET: 'secret that signs sign-in tokens, at least 32 characters; required when NODE_ENV=production',
  JWT_PREVIOUS_SECRET: 'the secret before a rotation, accepted until JWT_PREVIOUS_UNTIL',
  JWT_PREVIOUS_UNTIL: 'ISO date-time when JWT_PREVIOUS_SECRET stops being accepted',
  OPENAI_API_KEY: 'OpenAI key (or any OpenAI-compatible provider with OPENAI_BASE_URL)',
  OPENAI_BASE_URL: 'base URL of an OpenAI-compatible API',
  ANTHROPIC_API_KEY: 'Anthropic key',
  ANTHROPIC_BASE_URL: 'base URL of an Anthropic-compatible API',
  LLM_OFFLINE: '1 to run every LLM step against the built-in offline demo model',
  CORS_ORIGINS: 'comma-separated origins allowed to call the API from a browser',
  RATES_FILE: 'JSON file of credit rates per provider and model (default: the built-in table)',
  LOG_LEVEL: 'pino level: fatal, error, warn, info, debug, trace or silent (default info)',
  TRUST_PROXY: 'true or a hop count when behind a reverse proxy (for client IPs in rate limits)',
  RATE_LIMIT_PER_MINUTE: 'requests per minute per client IP (default 600)',
  RATE_LIMIT_KEY_PER_MINUTE: 'requests per minute per API key (default 1200)',
  AUTH_FAILURES_PER_15_MINUTES: 'failed sign-ins or API keys per address, email or key prefix before 429 (default 20)',
  SHUTDOWN_GRACE_MS: 'how long SIGTERM waits for running steps (default 10000)',
  HTTP_HEADERS_TIMEOUT_MS: 'how long a client may take to send request headers before 408 and close (default 15000)',
  SANDBOX_WORKERS: 'sandbox worker processes for plugin steps, per server process (default: sized to the machine: CPU count, at most 8, fewer when memory is short; divide by the server processes sharing a machine)',
  DEMO: '0 to skip the demo workspace on first start (default 1 outside production)',
  PAYMENT_WEBHOOK_SECRET: 'HMAC secret of the payment provider webhook (POST /api/v1/webhooks/payments)',
  PUBLIC_URL: 'the address people reach this server at, e.g. https://bots.example.com (webhook URLs, links to generated apps; default: the listening address)',
  WHATSAPP_CHROMIUM_PATH: 'the Chromium that WhatsApp Web connections drive (default /usr/bin/chromium)',
  DEPLOY_PLATFORM_URL: "API base URL of the hosting platform core/deploy's target \"platform\" publishes to (with DEPLOY_PLATFORM_TOKEN)",
  DEPLOY_PLATFORM_TOKEN: 'bearer token of the hosting platform account',
  DEPLOY_PLATFORM_POLL_MS: 'how often a starting app is asked whether it is live (default 2000)',
  DEPLOY_PLATFORM_TIMEOUT_MS: 'longest a platform publish may take before it is recorded as failed (default 50000, at most 55000: the deploy step has 60 s)',
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Record<string, string | undefined>;

/**
 * Reads and checks the configuration; every problem is reported at once, each naming the variable,
 * what came and what is expected.
 *
 * @example
 * const config = loadConfig(process.env); // throws ConfigError listing every problem
 */
export function loadConfig(env: Env, cwd = process.cwd()): ServerConfig {
  const problems: string[] = [];
  const get = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return value;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = get(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be 1 or 0 (true or false); got ${JSON.stringify(raw)}`);
    return fallback;
  };
  const url = (name: string, protocols: string[]): string | undefined => {
    const raw = get(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
      return raw;
    } catch {
      problems.push(`${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}; got ${JSON.stringify(raw.replace(/\/\/[^@/]*@/, '//***@'))}`);
      return undefined;
    }
  };

  const nodeEnv = get('NODE_ENV') ?? 'development';
  const envName = nodeEnv === 'production' || nodeEnv === 'test' ? nodeEnv : 'development';
  const production = envName === 'production';

  const config: ServerConfig = {
    env: envName,
    host: get('HOST') ?? '127.0.0.1',
    port: integer('PORT', 3000, 0, 65535),
    dataDir: path.resolve(cwd, get('DATA_DIR') ?? 'data'),
    providers: {},
    offlineLlm: flag('LLM_OFFLINE', false),
    corsOrigins: (get('CORS_ORIGINS') ?? '').split(',').map((o) => o.trim()).filter((o) => o !== ''),
    logLevel: get('LOG_LEVEL') ?? (envName === 'test' ? 'silent' : 'info'),
    trustProxy: false,
    rateLimits: {
      perIpPerMinute: integer('RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
      perKeyPerMinute: integer('RATE_LIMIT_KEY_PER_MINUTE', 1200, 1, 1_000_000),
      authFailures: integer('AUTH_FAILURES_PER_15_MINUTES', 20, 1, 100_000),
    },
    shutdownGraceMs: integer('SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    httpHeadersTimeoutMs: integer('HTTP_HEADERS_TIMEOUT_MS', 15_000, 500, 120_000),
    sandboxWorkers: integer('SANDBOX_WORKERS', defaultSandboxWorkers(), 1, 64),
    redisKeyPrefix: get('REDIS_KEY_PREFIX') ?? 'nf:',
    clusterLeaseMs: integer('CLUSTER_LEASE_MS', 15_000, 500, 600_000),
    demo: flag('DEMO', !production),
    whatsappChromiumPath: get('WHATSAPP_CHROMIUM_PATH') ?? '/usr/bin/chromium',
    killAt: envName === 'test' ? (get('NEXUSFLOW_KILL_AT') ?? '').split(',').filter((k) => k !== '') : [],
  };

  const mongo = url('MONGODB_URI', ['mongodb:', 'mongodb+srv:']);
  if (mongo !== undefined) config.mongodbUri = mongo;
  const publicUrl = url('PUBLIC_URL', ['http:', 'https:']);
  if (publicUrl !== undefined) config.publicUrl = publicUrl.replace(/\/+$/, '');
  const redis = url('REDIS_URL', ['redis:', 'rediss:']);
  if (redis !== undefined) config.redisUrl = redis;
  if (!/^[\w:.-]{0,64}$/.test(config.redisKeyPrefix)) problems.push(`REDIS_KEY_PREFIX must be at most 64 letters, digits or "_:.-", e.g. nf:; got ${JSON.stringify(config.redisKeyPrefix)}`);

  for (const origin of config.corsOrigins) {
    if (origin !== '*' && url(`CORS_ORIGINS (${origin})`, ['http:', 'https:']) === undefined) continue;
  }
  if (!LOG_LEVELS.includes(config.logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(config.logLevel)}`);

  const trust = get('TRUST_PROXY');
  if (trust !== undefined) {
    if (/^\d+$/.test(trust)) config.trustProxy = Number(trust);
    else if (['true', '1'].includes(trust.toLowerCase())) config.trustProxy = true;
    else if (!['false', '0'].includes(trust.toLowerCase())) problems.push(`TRUST_PROXY must be true, false or a number of proxy hops; got ${JSON.stringify(trust)}`);
  }

  const secret = get('JWT_SECRET');
  if (secret !== undefined && secret.length < 32) problems.push('JWT_SECRET must be at least 32 characters long (use e.g. `openssl rand -base64 48`)');
  else if (secret !== undefined) config.jwtSecret = secret;
  else if (production) problems.push('JWT_SECRET is required when NODE_ENV=production (at least 32 characters, e.g. `openssl rand -base64 48`)');
  const previous = get('JWT_PREVIOUS_SECRET');
  if (previous !== undefined) {
    const until = Date.parse(get('JWT_PREVIOUS_UNTIL') ?? '');
    if (previous.length < 32) problems.push('JWT_PREVIOUS_SECRET must be at least 32 characters long');
    else if (Number.isNaN(until)) problems.push('JWT_PREVIOUS_UNTIL must be an ISO date-time (when the previous secret stops being accepted), e.g. 2026-12-01T00:00:00Z');
    else config.jwtPrevious = { secret: previous, until };
  }

  const openaiKey = get('OPENAI_API_KEY');
  const openaiUrl = url('OPENAI_BASE_URL', ['http:', 'https:']);
  if (openaiKey !== undefined) config.providers.openai = openaiUrl === undefined ? { apiKey: openaiKey } : { apiKey: openaiKey, baseURL: openaiUrl };
  else if (openaiUrl !== undefined) problems.push('OPENAI_BASE_URL is set but OPENAI_API_KEY is not; set both (any non-empty key for a local server)');
  const anthropicKey = get('ANTHROPIC_API_KEY');
  const anthropicUrl = url('ANTHROPIC_BASE_URL', ['http:', 'https:']);
  if (anthropicKey !== undefined) config.providers.anthropic = anthropicUrl === undefined ? { apiKey: anthropicKey } : { apiKey: anthropicKey, baseURL: anthropicUrl };
  else if (anthropicUrl !== undefined) problems.push('ANTHROPIC_BASE_URL is set but ANTHROPIC_API_KEY is not; set both');

  const rates = get('RATES_FILE');
  if (rates !== undefined) config.ratesFile = path.resolve(cwd, rates);
  const webhook = get('PAYMENT_WEBHOOK_SECRET');
  if (webhook !== undefined) {
    if (webhook.length < 16) problems.push('PAYMENT_WEBHOOK_SECRET must be at least 16 characters long');
    else config.paymentWebhookSecret = webhook;
  }
  const platformUrl = url('DEPLOY_PLATFORM_URL', ['http:', 'https:']);
  const platformToken = get('DEPLOY_PLATFORM_TOKEN');
  const platformTiming = { pollIntervalMs: integer('DEPLOY_PLATFORM_POLL_MS', 2000, 10, 60_000), timeoutMs: integer('DEPLOY_PLATFORM_TIMEOUT_MS', 50_000, 1000, 55_000) };
  if (platformUrl !== undefined && platformToken !== undefined) config.deployPlatform = { url: platformUrl.replace(/\/+$/, ''), token: platformToken, ...platformTiming };
  else if (platformUrl !== undefined) problems.push('DEPLOY_PLATFORM_URL is set but DEPLOY_PLATFORM_TOKEN is not; set both to publish apps with target "platform"');
  else if (platformToken !== undefined && get('DEPLOY_PLATFORM_URL') === undefined) problems.push('DEPLOY_PLATFORM_TOKEN is set but DEPLOY_PLATFORM_URL is not; set both to publish apps with target "platform"');

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
