import { describe, expect, it } from 'vitest';
import { DiagLogLevel } from '@opentelemetry/api';
import {
  configuredServiceName,
  diagLogLevel,
  redactSqlLiterals,
  telemetryMode,
  tracesEndpoint,
} from '../src/telemetry.js';

describe('telemetry configuration (OTEL_* variables only)', () => {
  it('exports only when an OTLP endpoint is set', () => {
    expect(telemetryMode({})).toBe('propagate');
    expect(telemetryMode({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBe('propagate');
    expect(telemetryMode({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' })).toBe('export');
    expect(telemetryMode({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://jaeger:4318/v1/traces' })).toBe(
      'export',
    );
  });

  it('honours OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' };
    expect(telemetryMode({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toBe('disabled');
    expect(telemetryMode({ ...endpoint, OTEL_SDK_DISABLED: 'false' })).toBe('export');
    expect(telemetryMode({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBe('propagate');
  });

  it('derives the traces URL as the OTLP exporter does', () => {
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318/' })).toBe(
      'http://jaeger:4318/v1/traces',
    );
    expect(
      tracesEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector/custom',
      }),
    ).toBe('http://collector/custom');
    expect(tracesEndpoint({})).toBeUndefined();
  });

  it('reads the service name from OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES, percent-decoded', () => {
    expect(
      configuredServiceName({ OTEL_SERVICE_NAME: 'notes', OTEL_RESOURCE_ATTRIBUTES: 'service.name=x' }),
    ).toBe('notes');
    expect(
      configuredServiceName({
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=dev, service.name=my%20app',
      }),
    ).toBe('my app');
    expect(configuredServiceName({ OTEL_RESOURCE_ATTRIBUTES: 'service.version=1' })).toBeUndefined();
    expect(configuredServiceName({})).toBeUndefined();
  });

  it('reads OTEL_LOG_LEVEL as the SDK does, WARN when unset', () => {
    expect(diagLogLevel({})).toBe(DiagLogLevel.WARN);
    expect(diagLogLevel({ OTEL_LOG_LEVEL: ' ' })).toBe(DiagLogLevel.WARN);
    expect(diagLogLevel({ OTEL_LOG_LEVEL: 'debug' })).toBe(DiagLogLevel.DEBUG);
    expect(diagLogLevel({ OTEL_LOG_LEVEL: 'NONE' })).toBe(DiagLogLevel.NONE);
  });
});

describe('redactSqlLiterals (no personal data in db.query.text)', () => {
  it('replaces every literal value and keeps the identifiers', () => {
    expect(
      redactSqlLiterals(
        `select "u0".* from "users" as "u0" where lower(email) = lower('Alice@Example.com') and "u0"."age" > 42 limit 1`,
      ),
    ).toBe(`select "u0".* from "users" as "u0" where lower(email) = lower(?) and "u0"."age" > ? limit ?`);
  });

  it('handles quotes inside strings, E-strings, dollar quotes, negatives and decimals', () => {
    expect(redactSqlLiterals(`insert into t (a, b, c, d) values ('it''s', E'a\\'b', $$x$$, -1.5e3)`)).toBe(
      'insert into t (a, b, c, d) values (?, ?, ?, ?)',
    );
  });

  it('keeps digits that are part of names and parameters', () => {
    expect(redactSqlLiterals('select "n0".* from note_shares2 as n0 where id = $1')).toBe(
      'select "n0".* from note_shares2 as n0 where id = $1',
    );
  });
});
