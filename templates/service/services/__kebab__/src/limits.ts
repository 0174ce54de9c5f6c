// The limits of the __kebab__ API, written once: the domain (service.ts) enforces them and the gateway
// builds its request schemas from them (exported through index.ts). Lengths count characters.
export const ITEM_LIMITS = {
  /** A name is 1 to 200 characters long (after trimming). */
  nameMaxLength: 200,
  /** Items per page of ListItems: 1 to 100, 20 when not given. */
  pageSizeMax: 100,
  pageSizeDefault: 20,
} as const;
