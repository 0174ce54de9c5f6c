// Typed configuration from environment variables. Every process declares what it reads in one place;
// a missing or malformed variable stops the process at start with a message that names it.
import { isServiceAddress, SERVICE_ADDRESS_FORMS } from './grpc/address.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface Variable<T> {
  /** Turns the raw value into T, or throws an Error whose message says what is wrong. */
  parse(raw: string | undefined, production: boolean): T;
}

interface Defaults<T> {
  /** Used when the variable is unset, in every mode. */
  default?: T;
  /** Used when the variable is unset outside production (NODE_ENV !== 'production'). */
  devDefault?: T;
}

function required<T>(
  raw: string | undefined,
  production: boolean,
  defaults: Defaults<T>,
  parse: (raw: string) => T,
): T {
  if (raw === undefined || raw === '') {
    if (defaults.default !== undefined) return defaults.default;
    if (!production && defaults.devDefault !== undefined) return defaults.devDefault;
    throw new Error(
      production && defaults.devDefault !== undefined ? 'is required in production' : 'is required',
    );
  }
  return parse(raw);
}

export const env = {
  string(options: Defaults<string> & { minLength?: number } = {}): Variable<string> {
    return {
      parse: (raw, production) =>
        required(raw, production, options, (value) => {
          if (options.minLength !== undefined && value.length < options.minLength) {
            throw new Error(`must be at least ${options.minLength} characters long`);
          }
          // A development default is public (it is in the repository): never a production secret.
          if (production && options.devDefault !== undefined && value === options.devDefault) {
            throw new Error('must not be the development default in production');
          }
          return value;
        }),
    };
  },

  int(options: Defaults<number> & { min?: number; max?: number } = {}): Variable<number> {
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
    return {
      parse: (raw, production) =>
        required(raw, production, options, (value) => {
          const parsed = Number(value);
          if (!/^-?\d+$/.test(value.trim()) || parsed < min || parsed > max) {
            throw new Error(`must be an integer from ${min} to ${max}, got "${value}"`);
          }
          return parsed;
        }),
    };
  },

  port(defaultPort: number): Variable<number> {
    return env.int({ default: defaultPort, min: 0, max: 65535 });
  },

  url(options: Defaults<string> & { protocols?: string[] } = {}): Variable<string> {
    return {
      parse: (raw, production) =>
        required(raw, production, options, (value) => {
          let url: URL;
          try {
            url = new URL(value);
          } catch {
            throw new Error('must be a URL');
          }
          if (options.protocols && !options.protocols.includes(url.protocol.replace(/:$/, ''))) {
            throw new Error(`must be a ${options.protocols.join(' or ')} URL`);
          }
          return value;
        }),
    };
  },

  /** A service address: host:port, dns:///host:port or ipv4:a.b.c.d:port,a.b.c.d:port (see grpc/address.ts). */
  address(options: Defaults<string> = {}): Variable<string> {
    return {
      parse: (raw, production) =>
        required(raw, production, options, (value) => {
          if (!isServiceAddress(value)) throw new Error(`must be ${SERVICE_ADDRESS_FORMS}, got "${value}"`);
          return value;
        }),
    };
  },

  /** true/false (also 1/0, yes/no); unset: `dev` outside production, `production` in production. */
  boolean(defaults: { dev: boolean; production: boolean }): Variable<boolean> {
    return {
      parse: (raw, production) => {
        if (raw === undefined || raw === '') return production ? defaults.production : defaults.dev;
        if (/^(true|1|yes)$/i.test(raw)) return true;
        if (/^(false|0|no)$/i.test(raw)) return false;
        throw new Error(`must be true or false, got "${raw}"`);
      },
    };
  },

  oneOf<const T extends string>(values: readonly T[], options: Defaults<T> = {}): Variable<T> {
    return {
      parse: (raw, production) =>
        required(raw, production, options, (value) => {
          if (!values.includes(value as T))
            throw new Error(`must be one of ${values.join(', ')}, got "${value}"`);
          return value as T;
        }),
    };
  },
};

export type ConfigOf<S extends Record<string, Variable<unknown>>> = {
  readonly [K in keyof S]: S[K] extends Variable<infer T> ? T : never;
};

function isProduction(source: NodeJS.ProcessEnv = process.env): boolean {
  return source.NODE_ENV === 'production';
}

/** Reads every variable of the spec; throws one ConfigError naming all the bad ones. */
export function loadConfig<S extends Record<string, Variable<unknown>>>(
  spec: S,
  source: NodeJS.ProcessEnv = process.env,
): ConfigOf<S> {
  const production = isProduction(source);
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(spec)) {
    try {
      config[name] = variable.parse(source[name], production);
    } catch (error) {
      problems.push(`${name} ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as ConfigOf<S>;
}
