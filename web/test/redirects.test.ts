import { describe, expect, it } from 'vitest';
import { loginUrl, safeRedirectTo } from '../src/lib/server/redirects.ts';

describe('safeRedirectTo', () => {
  it('keeps same-origin paths with their query and hash', () => {
    expect(safeRedirectTo('/notes/42?created=1#top')).toBe('/notes/42?created=1#top');
    expect(safeRedirectTo('/')).toBe('/');
  });

  it.each([
    ['absolute URL', 'https://evil.example/notes'],
    ['protocol-relative', '//evil.example'],
    ['backslash trick', '/\\evil.example'],
    ['backslash inside', '/notes\\..\\\\evil.example'],
    ['javascript URL', 'javascript:alert(1)'],
    ['relative path', 'notes'],
    ['control character', '/\t/evil.example'],
    ['login loop', '/login?redirectTo=/notes'],
    ['empty', ''],
    ['missing', null],
  ])('refuses %s', (_, value) => {
    expect(safeRedirectTo(value)).toBe('/notes');
  });

  it('builds the login URL with the page to come back to', () => {
    expect(loginUrl('/notes/1?x=2')).toBe('/login?redirectTo=%2Fnotes%2F1%3Fx%3D2');
  });
});
