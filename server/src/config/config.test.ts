import { describe, expect, it } from 'vitest';
import { ConfigError, defaultSandboxWorkers, loadConfig } from './config.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('has working defaults: port 3000, ./data, SQLite, offline LLM, demo outside production', () => {
    const config = loadConfig({}, '/srv');
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', dataDir: '/srv/data', env: 'development', demo: true, providers: {} });
    expect(config.mongodbUri).toBeUndefined();
    expect(config.jwtSecret).toBeUndefined();
  });

  it('reports every problem at once, each naming the variable and what came', () => {
    const found = problems({ PORT: 'eighty', LOG_LEVEL: 'loud', MONGODB_URI: 'http://db', JWT_SECRET: 'short', OPENAI_BASE_URL: 'http://127.0.0.1:9', TRUST_PROXY: 'maybe' });
    expect(found).toHaveLength(6);
    expect(found[0]).toBe('PORT must be a whole number from 0 to 65535; got "eighty"');
    expect(found.join('\n')).toContain('MONGODB_URI must be a URL starting with mongodb:// or mongodb+srv://');
    expect(found.join('\n')).toContain('JWT_SECRET must be at least 32 characters');
    expect(found.join('\n')).toContain('OPENAI_BASE_URL is set but OPENAI_API_KEY is not');
    expect(found.join('\n')).toContain('LOG_LEVEL must be one of');
    expect(found.join('\n')).toContain('TRUST_PROXY must be');
  });

  it('requires JWT_SECRET in production and skips the demo there', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([expect.stringContaining('JWT_SECRET is required when NODE_ENV=production')]);
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) });
    expect(config.demo).toBe(false);
  });

  it('reads the scale-out settings: Redis URL, key prefix and lease, with clear problems', () => {
    const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/2', REDIS_KEY_PREFIX: 'acme:', CLUSTER_LEASE_MS: '4000' }, '/srv');
    expect(config).toMatchObject({ redisUrl: 'redis://127.0.0.1:6379/2', redisKeyPrefix: 'acme:', clusterLeaseMs: 4000 });
    expect(loadConfig({}, '/srv')).toMatchObject({ redisKeyPrefix: 'nf:', clusterLeaseMs: 15_000 });
    const found = problems({ REDIS_URL: 'http://cache', REDIS_KEY_PREFIX: 'a b', CLUSTER_LEASE_MS: '10' });
    expect(found).toHaveLength(3);
    expect(found.join('\n')).toContain('REDIS_URL must be a URL starting with redis:// or rediss://');
    expect(found.join('\n')).toContain('REDIS_KEY_PREFIX must be');
    expect(found.join('\n')).toContain('CLUSTER_LEASE_MS');
  });

  it('sizes the sandbox pool to the machine: one worker per core, at most 8, fewer when memory is short', () => {
    const GiB = 1024 ** 3;
    expect(defaultSandboxWorkers(2, 24 * GiB)).toBe(2);
    expect(defaultSandboxWorkers(32, 256 * GiB)).toBe(8);
    expect(defaultSandboxWorkers(16, 4 * GiB)).toBe(3);
    expect(defaultSandboxWorkers(4, 512 * 1024 ** 2)).toBe(1);
  });

  it('hides credentials of a bad MongoDB URI in its message', () => {
    const [message] = problems({ MONGODB_URI: 'postgres://admin:hunter2@db/x' });
    expect(message).not.toContain('hunter2');
  });

  it('reads providers, the previous JWT secret and kill points only in test mode', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk', OPENAI_BASE_URL: 'http://127.0.0.1:1/v1', JWT_PREVIOUS_SECRET: 'p'.repeat(32), JWT_PREVIOUS_UNTIL: '2030-01-01T00:00:00Z', NEXUSFLOW_KILL_AT: 'after-hold' });
    expect(config.providers.openai).toEqual({ apiKey: 'sk', baseURL: 'http://127.0.0.1:1/v1' });
    expect(config.jwtPrevious?.until).toBe(Date.parse('2030-01-01T00:00:00Z'));
    expect(config.killAt).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'test', NEXUSFLOW_KILL_AT: 'after-hold,mid-stream' }).killAt).toEqual(['after-hold', 'mid-stream']);
  });
});
