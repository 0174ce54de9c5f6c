import type { Session } from '#lib/server/session.js';

declare global {
  namespace App {
    interface Locals {
      /** The browser's session and the gateway client (hooks.server.ts). */
      session: Session;
    }
  }
}

export {};
