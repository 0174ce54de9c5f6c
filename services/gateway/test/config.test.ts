import { ConfigError } from '@app/platform';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config.js';

describe('gateway configuration', () => {
  it('has development defaults for everything outside production', () => {
    const config = loadGatewayConfig({ NODE_ENV: 'development' });
    expect(config).toMatchObject({
      PORT: 8080,
      HOST: '0.0.0.0',
      USERS_ADDR: '127.0.0.1:50051',
      NOTES_ADDR: '127.0.0.1:50052',
      ACCESS_TOKEN_TTL: 900,
      TRUST_PROXY: false,
      RATE_LIMIT_AUTH_MAX: 100,
      RATE_LIMIT_AUTH_WINDOW_MS: 60_000,
    });
    expect(config.JWT_SECRET.length).toBeGreaterThanOrEqual(32);
  });

  it('has no secret and no addresses by default in production, and names each missing variable', () => {
    let error: unknown;
    try {
      loadGatewayConfig({ NODE_ENV: 'production' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'JWT_SECRET is required in production',
      'USERS_ADDR is required in production',
      'NOTES_ADDR is required in production',
    ]);
  });

  it('reads TRUST_PROXY as a boolean or a list of addresses', () => {
    expect(loadGatewayConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadGatewayConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).TRUST_PROXY).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
    ]);
  });

  it('rejects malformed numbers', () => {
    expect(() => loadGatewayConfig({ ACCESS_TOKEN_TTL: '15m' })).toThrow(
      /ACCESS_TOKEN_TTL must be an integer/,
    );
  });
});
