// The limits of the notes API, written once: the domain (service.ts) enforces them and the gateway builds
// its request schemas from them (exported through index.ts). Lengths count characters (code points).
export const NOTE_LIMITS = {
  /** A title is 1 to 200 characters long (after trimming). */
  titleMaxLength: 200,
  /** A body may be empty and is at most 100 000 characters long. */
  bodyMaxLength: 100_000,
  /** Notes per page of ListNotes: 1 to 100, 20 when not given. */
  pageSizeMax: 100,
  pageSizeDefault: 20,
} as const;
