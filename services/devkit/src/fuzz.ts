// Generators of hostile input for the property-based fuzz suites (fast-check): the values a client
// can send that a happy-path test never does. Shared by the gateway's HTTP fuzz and the services'
// gRPC fuzz, so both attack with the same vocabulary.
import fc from 'fast-check';

/** Characters that break naive code: NUL and other controls, lone surrogates, bidi and zero-width marks. */
const NASTY_CHARS = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\b',
  '\t',
  '\n',
  '\r',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u200b',
  '\u200e',
  '\u202e',
  '\u2028',
  '\ufeff',
  '\ufffd',
  '\uffff',
  '\ud800',
  '\udfff',
  '\ud83d',
  '\ud83d\ude00',
  '%00',
  '%',
  '\\',
  '"',
  "'",
  '<',
  '$',
  '{',
];

/** Strings that mean something to some layer: SQL, paths, templates, numbers, JSON, HTML. */
const NASTY_STRINGS = [
  '',
  ' ',
  "' or 1=1 --",
  "'; drop table notes; --",
  '../../etc/passwd',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1e309',
  '__proto__',
  'constructor',
  '{"a":1}',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '00000000-0000-4000-8000-00000000000g',
  'a'.repeat(257),
  'a@b',
  '@example.com',
  'a@example.com\u0000',
];

const nastyChar = fc.constantFrom(...NASTY_CHARS);

/** Ordinary text with nasty characters mixed in: what passes a length check and still breaks things. */
export const textWithNastyChars = (minLength = 0): fc.Arbitrary<string> =>
  fc
    .tuple(fc.string({ maxLength: 10 }), nastyChar, fc.string({ maxLength: 10 }))
    .map((parts) => parts.join(''))
    .filter((value) => [...value].length >= minLength);

/** Any string a client might send: printable, unicode, nasty characters, known payloads, mixtures. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.oneof(nastyChar, fc.string({ minLength: 1, maxLength: 1 })), maxLength: 30 }),
  textWithNastyChars(),
);

/** Strings of a size that hits limits: empty, just over a field limit, very long. */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(0, 201, 257, 100_001, 200_000), fc.constantFrom('a', 'é', '😀', '\u0000'))
  .map(([length, char]) => char.repeat(length));

/** A value of any JSON type, nested up to a few levels (wrong types for every field). */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  hostileString,
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
);

/** Deeply nested arrays/objects: parser and validator recursion. */
export const deepJson: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 50, max: 5_000 }), fc.boolean())
  .map(([depth, array]) =>
    array ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
  );

/** Text that is not valid JSON (or is JSON of the wrong shape at the top level). */
export const invalidJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '{',
    '}',
    '{"a":',
    '{"a":1,}',
    "{'a':1}",
    '[',
    'nul',
    'tru',
    '{"a":"\\u12"}',
    '\u0000',
    '{"__proto__":{"x":1}}',
    '"str"',
    '1',
    '[]',
    'null',
  ),
  fc.string({ maxLength: 30 }).map((s) => `{${s}`),
);

/** A value for a string field: hostile or huge strings most of the time, any JSON type sometimes. */
export const hostileField: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 1, arbitrary: hugeString },
  { weight: 2, arbitrary: anyJson },
);

/** A body for a route taking `fields`: each field missing, hostile or valid, plus unknown fields sometimes. */
export function hostileBody(
  fields: Record<string, fc.Arbitrary<unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  const record = fc.record(
    Object.fromEntries(Object.entries(fields).map(([name, valid]) => [name, fc.oneof(valid, hostileField)])),
    { requiredKeys: [] },
  );
  return fc
    .tuple(record, fc.option(fc.dictionary(hostileString, anyJson, { minKeys: 1, maxKeys: 2 }), { freq: 4 }))
    .map(([body, extra]) => (extra ? { ...extra, ...body } : body));
}

/** Path segments in place of a UUID: malformed, encoded, traversal, over-long. */
export const hostileId: fc.Arbitrary<string> = fc.oneof(
  fc.uuid(),
  hostileString,
  fc.constantFrom(
    '..',
    '.',
    '%2e%2e',
    '%00',
    '%ZZ',
    '%E0%A4%A',
    'a'.repeat(600),
    '00000000-0000-0000-0000-000000000000%00',
  ),
);

/** A cursor as a client might forge it: random text, base64 of junk or of wrong JSON, huge. */
export const hostileCursor: fc.Arbitrary<string> = fc.oneof(
  hostileString,
  fc.base64String({ maxLength: 60 }),
  anyJson.map((value) => Buffer.from(JSON.stringify(value) ?? '').toString('base64url')),
  fc.constant('A'.repeat(5_000)),
);
