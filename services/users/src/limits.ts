// The limits of the users API, written once: the domain (service.ts) enforces them and the gateway builds
// its request schemas from them (exported through index.ts). Lengths count characters (code points).
export const USER_LIMITS = {
  /** An email address is at most 254 characters (RFC 5321). */
  emailMaxLength: 254,
  /** A new password is 8 to 256 characters long. */
  passwordMinLength: 8,
  passwordMaxLength: 256,
  /** A name is 1 to 100 characters long (after trimming). */
  nameMaxLength: 100,
} as const;
