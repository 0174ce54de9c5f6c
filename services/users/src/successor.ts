// The grace window of refresh-token rotation needs to hand the same successor token to every
// concurrent refresh of one token. Only token hashes are stored, so the successor is stored sealed:
// encrypted (AES-256-GCM) with a key derived from the token it replaces, which is never stored. Whoever
// presents that token can open it; the database alone cannot.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const keyOf = (token: string) => createHash('sha256').update(`refresh-successor\0${token}`).digest();

/** The successor of `token`, sealed with a key only `token` gives. */
export function sealSuccessor(token: string, successor: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(token), iv);
  const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** Opens what sealSuccessor sealed for `token`; undefined when it was sealed for another token. */
export function openSuccessor(token: string, sealed: string): string | undefined {
  const bytes = Buffer.from(sealed, 'base64url');
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(token), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
