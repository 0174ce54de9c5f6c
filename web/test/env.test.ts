import { describe, expect, it } from 'vitest';
import { variables } from '../src/env.ts';

function validate(name: keyof typeof variables, value: string | undefined) {
  const result = variables[name].schema['~standard'].validate(value);
  if (result instanceof Promise) throw new Error('async validator');
  return result;
}

describe('environment variables', () => {
  it('normalizes GATEWAY_URL and leaves it unset when absent (config.ts applies the default)', () => {
    expect(validate('GATEWAY_URL', 'http://gateway:8080/')).toEqual({ value: 'http://gateway:8080' });
    expect(validate('GATEWAY_URL', undefined)).toEqual({ value: undefined });
    expect(validate('GATEWAY_URL', '')).toEqual({ value: undefined });
  });

  it('names the variable when a URL is malformed', () => {
    for (const bad of ['gateway:8080', 'ftp://gateway', 'not a url']) {
      const result = validate('GATEWAY_URL', bad);
      expect(result.issues?.[0]?.message).toMatch(/^GATEWAY_URL must be an http\(s\) URL/);
    }
    expect(validate('ORIGIN', 'localhost:3000').issues?.[0]?.message).toMatch(/^ORIGIN must be/);
    expect(validate('ORIGIN', 'https://app.example')).toEqual({ value: 'https://app.example' });
  });
});
