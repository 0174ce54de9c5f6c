// No secret in the repository: no private key, cloud or service token, or credential-bearing URL in
// any tracked file. (Development defaults such as the local Postgres password are public on purpose and
// refused in production; see the gateway's JWT_SECRET.)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { root } from '../lib/services.ts';

const SECRETS: [string, RegExp][] = [
  ['private key', /-----BEGIN (RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----/],
  ['AWS access key', /\bAKIA[0-9A-Z]{16}\b/],
  ['GitHub token', /\bgh[pousr]_[A-Za-z0-9]{36,}\b/],
  ['npm token', /\bnpm_[A-Za-z0-9]{36}\b/],
  ['Slack token', /\bxox[abprs]-[A-Za-z0-9-]{10,}/],
  ['Stripe key', /\b[sr]k_live_[A-Za-z0-9]{20,}/],
  ['Google API key', /\bAIza[0-9A-Za-z_-]{35}\b/],
  // A URL with a real password for a host that is not local (the dev/test ones point at 127.0.0.1 or
  // localhost; documentation uses upper-case placeholders such as PASSWORD).
  [
    'credentials in a URL',
    /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"`]+:(?![A-Z_]+@)[^\s@/'"`$<{]{3,}@(?!127\.0\.0\.1|localhost|postgres[:/]|\$\{|host|user)[a-z0-9.-]+/,
  ],
];

it('no tracked file holds a secret', () => {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  const found: string[] = [];
  for (const file of files) {
    if (/\.(png|jpg|ico|woff2?|zip|tgz)$|package-lock\.json$/.test(file)) continue;
    let text: string;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      continue; // deleted in the work tree
    }
    for (const [what, pattern] of SECRETS) {
      const match = pattern.exec(text);
      if (match) found.push(`${file}: ${what} (${match[0].slice(0, 12)}…)`);
    }
  }
  expect(files.length).toBeGreaterThan(50);
  expect(found).toEqual([]);
});
