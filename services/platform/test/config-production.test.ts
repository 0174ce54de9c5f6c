// In production there are no insecure defaults: a variable with a development default must be set,
// and set to something else than that default (which anyone can read in the repository).
import { describe, expect, it } from 'vitest';
import { ConfigError, env, loadConfig } from '../src/config.js';

const spec = { SECRET: env.string({ devDefault: 'dev-only-secret-of-at-least-32-chars!', minLength: 32 }) };

function problems(source: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(spec, source);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
}

describe('a secret with a development default', () => {
  it('takes the default outside production only', () => {
    expect(loadConfig(spec, { NODE_ENV: 'development' }).SECRET).toBe(
      'dev-only-secret-of-at-least-32-chars!',
    );
    expect(problems({ NODE_ENV: 'production' })).toEqual(['SECRET is required in production']);
  });

  it('refuses the default itself, and a short value, in production', () => {
    expect(problems({ NODE_ENV: 'production', SECRET: 'dev-only-secret-of-at-least-32-chars!' })).toEqual([
      'SECRET must not be the development default in production',
    ]);
    expect(problems({ NODE_ENV: 'production', SECRET: 'short' })).toEqual([
      'SECRET must be at least 32 characters long',
    ]);
    expect(loadConfig(spec, { NODE_ENV: 'production', SECRET: 'x'.repeat(32) }).SECRET).toBe('x'.repeat(32));
  });
});
