import { describe, expect, it } from 'vitest';
import { ConfigError, env, loadConfig } from '../src/config.js';

const spec = {
  PORT: env.port(50051),
  HOST: env.string({ default: '0.0.0.0' }),
  DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }),
  JWT_SECRET: env.string({ devDefault: 'development-only-secret-at-least-32-chars', minLength: 32 }),
  USERS_ADDR: env.address({ devDefault: '127.0.0.1:50051' }),
  LOG_LEVEL: env.oneOf(['info', 'debug'], { default: 'info' }),
};

const DATABASE_URL = 'postgres://app:secret@127.0.0.1:5432/users';

/** The problems loadConfig reports for `source`, or [] when it succeeds. */
function problems(source: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(spec, source);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    for (const problem of (error as ConfigError).problems)
      expect((error as Error).message).toContain(problem);
    return (error as ConfigError).problems;
  }
}

describe('loadConfig', () => {
  it('parses values and applies defaults, typed', () => {
    const config = loadConfig(spec, { DATABASE_URL, PORT: '7000' });
    expect(config).toEqual({
      PORT: 7000,
      HOST: '0.0.0.0',
      DATABASE_URL,
      JWT_SECRET: 'development-only-secret-at-least-32-chars',
      USERS_ADDR: '127.0.0.1:50051',
      LOG_LEVEL: 'info',
    });
  });

  it('names a missing variable, and treats an empty one as missing', () => {
    expect(problems({})).toEqual(['DATABASE_URL is required']);
    expect(problems({ DATABASE_URL: '' })).toEqual(['DATABASE_URL is required']);
  });

  it.each([
    ['PORT', 'http', 'PORT must be an integer from 0 to 65535, got "http"'],
    ['PORT', '70000', 'PORT must be an integer from 0 to 65535, got "70000"'],
    ['PORT', '80.5', 'PORT must be an integer from 0 to 65535, got "80.5"'],
    ['DATABASE_URL', 'not a url', 'DATABASE_URL must be a URL'],
    ['DATABASE_URL', 'mysql://localhost/users', 'DATABASE_URL must be a postgres or postgresql URL'],
    ['JWT_SECRET', 'short', 'JWT_SECRET must be at least 32 characters long'],
    [
      'USERS_ADDR',
      'users',
      'USERS_ADDR must be host:port, dns:///host:port or ipv4:a.b.c.d:port,a.b.c.d:port, got "users"',
    ],
    [
      'USERS_ADDR',
      'dns://users:50051',
      'USERS_ADDR must be host:port, dns:///host:port or ipv4:a.b.c.d:port,a.b.c.d:port, got "dns://users:50051"',
    ],
    [
      'USERS_ADDR',
      'ipv4:10.0.0.1:50051,users:50051',
      'USERS_ADDR must be host:port, dns:///host:port or ipv4:a.b.c.d:port,a.b.c.d:port, got "ipv4:10.0.0.1:50051,users:50051"',
    ],
    [
      'USERS_ADDR',
      'users:70000',
      'USERS_ADDR must be host:port, dns:///host:port or ipv4:a.b.c.d:port,a.b.c.d:port, got "users:70000"',
    ],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL must be one of info, debug, got "loud"'],
  ])('names a malformed %s (%j)', (name, value, message) => {
    expect(problems({ DATABASE_URL, [name]: value })).toEqual([message]);
  });

  it.each([
    'users:50051',
    '10.0.0.7:50051',
    '[::1]:50051',
    'dns:///users-headless:50051',
    'ipv4:127.0.0.2:50051,127.0.0.3:50051',
  ])('accepts the service address %s', (value) => {
    expect(loadConfig(spec, { DATABASE_URL, USERS_ADDR: value }).USERS_ADDR).toBe(value);
  });

  it('reports every bad variable at once', () => {
    expect(problems({ PORT: 'x', USERS_ADDR: 'nope' })).toEqual([
      'PORT must be an integer from 0 to 65535, got "x"',
      'DATABASE_URL is required',
      'USERS_ADDR must be host:port, dns:///host:port or ipv4:a.b.c.d:port,a.b.c.d:port, got "nope"',
    ]);
  });

  it('has no development defaults in production', () => {
    expect(problems({ NODE_ENV: 'production', DATABASE_URL })).toEqual([
      'JWT_SECRET is required in production',
      'USERS_ADDR is required in production',
    ]);
    const config = loadConfig(spec, {
      NODE_ENV: 'production',
      DATABASE_URL,
      JWT_SECRET: 'x'.repeat(32),
      USERS_ADDR: 'users:50051',
    });
    expect(config).toMatchObject({ PORT: 50051, HOST: '0.0.0.0', USERS_ADDR: 'users:50051' });
  });
});
