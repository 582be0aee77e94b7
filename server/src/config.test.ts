import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const cwd = '/srv/kith';

describe('loadConfig', () => {
  it('defaults to an embedded SQLite file under ./data with a generated key file beside it', () => {
    const config = loadConfig({}, cwd);
    expect(config.database).toEqual({
      kind: 'sqlite',
      url: 'sqlite:./data/kith.sqlite',
      path: '/srv/kith/data/kith.sqlite',
    });
    expect(config.port).toBe(3000);
    expect(config.publicUrl.origin).toBe('http://localhost:3000');
    expect(config.masterKey).toEqual({
      kind: 'file',
      path: '/srv/kith/data/master.key',
      createIfMissing: true,
    });
  });

  it('selects PostgreSQL for a postgres:// URL', () => {
    const config = loadConfig({ KITH_DATABASE_URL: 'postgres://kith@db.internal/kith' }, cwd);
    expect(config.database.kind).toBe('postgres');
  });

  it('derives the default public URL from the port', () => {
    expect(loadConfig({ KITH_PORT: '8080' }, cwd).publicUrl.origin).toBe('http://localhost:8080');
  });

  it('takes an explicit key file and never creates it', () => {
    const config = loadConfig({ KITH_MASTER_KEY_FILE: 'secrets/kith.key' }, cwd);
    expect(config.masterKey).toEqual({
      kind: 'file',
      path: '/srv/kith/secrets/kith.key',
      createIfMissing: false,
    });
  });

  const bad: [string, Record<string, string>][] = [
    ['KITH_PORT', { KITH_PORT: 'eighty' }],
    ['KITH_PORT', { KITH_PORT: '0' }],
    ['KITH_PORT', { KITH_PORT: '70000' }],
    ['KITH_DATABASE_URL', { KITH_DATABASE_URL: 'mysql://x' }],
    ['KITH_DATABASE_URL', { KITH_DATABASE_URL: 'postgres://[bad' }],
    ['KITH_PUBLIC_URL', { KITH_PUBLIC_URL: 'not a url' }],
    ['KITH_PUBLIC_URL', { KITH_PUBLIC_URL: 'ftp://vault.example' }],
    ['KITH_PUBLIC_URL', { KITH_PUBLIC_URL: 'http://vault.example' }],
    ['KITH_PUBLIC_URL', { KITH_PUBLIC_URL: 'https://vault.example/kith' }],
    ['KITH_MASTER_KEY', { KITH_MASTER_KEY: 'x', KITH_MASTER_KEY_FILE: 'y' }],
    ['KITH_LOG_LEVEL', { KITH_LOG_LEVEL: 'loud' }],
    ['KITH_BODY_LIMIT_BYTES', { KITH_BODY_LIMIT_BYTES: '-1' }],
    ['KITH_SESSION_IDLE_MINUTES', { KITH_SESSION_IDLE_MINUTES: '0' }],
    ['KITH_DELIVERY_BATCH_SIZE', { KITH_DELIVERY_BATCH_SIZE: '0' }],
    ['KITH_DELIVERY_BATCH_SIZE', { KITH_DELIVERY_BATCH_SIZE: '501' }],
    ['KITH_DELIVERY_BATCH_SIZE', { KITH_DELIVERY_BATCH_SIZE: 'many' }],
    ['KITH_DELIVERY_BATCH_SIZE', { KITH_DELIVERY_BATCH_SIZE: '2.5' }],
    ['KITH_TRUSTED_PROXIES', { KITH_TRUSTED_PROXIES: 'proxy.example' }],
    ['KITH_TRUSTED_PROXIES', { KITH_TRUSTED_PROXIES: '10.0.0.0/8, 10.0.0.300' }],
    ['KITH_TRUSTED_PROXIES', { KITH_TRUSTED_PROXIES: '10.0.0.0/33' }],
    ['KITH_SHUTDOWN_GRACE_SECONDS', { KITH_SHUTDOWN_GRACE_SECONDS: '0' }],
    ['KITH_SHUTDOWN_GRACE_SECONDS', { KITH_SHUTDOWN_GRACE_SECONDS: 'soon' }],
    ['KITH_METRICS', { KITH_METRICS: 'yes please' }],
    ['KITH_METRICS_PORT', { KITH_METRICS_PORT: '70000' }],
    ['KITH_METRICS_PORT', { KITH_METRICS_PORT: '3000' }],
    ['KITH_METRICS_PORT', { KITH_METRICS_PORT: '9100', KITH_METRICS: 'false' }],
  ];
  for (const [variable, env] of bad) {
    it(`names ${variable} when it is ${JSON.stringify(Object.values(env)[0])}`, () => {
      let thrown: unknown;
      try {
        loadConfig(env, cwd);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).variable).toBe(variable);
      expect((thrown as ConfigError).message).toMatch(new RegExp(`^${variable}: `));
    });
  }

  it('trusts no proxy unless KITH_TRUSTED_PROXIES lists some', () => {
    expect(loadConfig({}, cwd).trustedProxies).toEqual([]);
    expect(
      loadConfig({ KITH_TRUSTED_PROXIES: ' 10.0.0.0/8, fd00::/8,loopback ,192.0.2.7' }, cwd).trustedProxies,
    ).toEqual(['10.0.0.0/8', 'fd00::/8', 'loopback', '192.0.2.7']);
  });

  it('claims 50 deliveries at once unless KITH_DELIVERY_BATCH_SIZE says otherwise', () => {
    expect(loadConfig({}, cwd).webhooks.batchSize).toBe(50);
    expect(loadConfig({ KITH_DELIVERY_BATCH_SIZE: '200' }, cwd).webhooks.batchSize).toBe(200);
  });

  it('gives a stopping server 10 s unless KITH_SHUTDOWN_GRACE_SECONDS says otherwise', () => {
    expect(loadConfig({}, cwd).shutdownGraceMs).toBe(10_000);
    expect(loadConfig({ KITH_SHUTDOWN_GRACE_SECONDS: '30' }, cwd).shutdownGraceMs).toBe(30_000);
  });

  it('serves no metrics unless asked: on the main port, or on a port of their own', () => {
    expect(loadConfig({}, cwd).metrics).toBeUndefined();
    expect(loadConfig({ KITH_METRICS: 'true' }, cwd).metrics).toEqual({ port: undefined });
    expect(loadConfig({ KITH_METRICS_PORT: '9100' }, cwd).metrics).toEqual({ port: 9100 });
  });

  it('accepts https anywhere and http on loopback', () => {
    for (const url of ['https://vault.example', 'http://localhost:3000', 'http://127.0.0.1:8080']) {
      expect(loadConfig({ KITH_PUBLIC_URL: url }, cwd).publicUrl.origin).toBe(new URL(url).origin);
    }
  });
});
