// MikroORM entities of the users database. The schema itself is written by hand in migrations/.
import { defineEntity, p } from '@mikro-orm/core';

const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.uuid().primary(),
    /** As the user typed it; unique case-insensitively (a unique index on lower(email)). */
    email: p.string(),
    name: p.string(),
    passwordHash: p.string(),
    createdAt: p.datetime(),
  },
});
export class User extends UserSchema.class {}
UserSchema.setClass(User);

const RefreshTokenSchema = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  properties: {
    id: p.uuid().primary(),
    familyId: p.uuid(),
    userId: p.uuid(),
    /** SHA-256 (hex) of the token; the token itself is never stored. */
    tokenHash: p.string(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().strictNullable(),
    revokedAt: p.datetime().strictNullable(),
    /** Once used: its successor, encrypted with the token itself (see successor.ts). */
    successorSealed: p.text().strictNullable(),
    createdAt: p.datetime(),
  },
});
export class RefreshToken extends RefreshTokenSchema.class {}
RefreshTokenSchema.setClass(RefreshToken);

export const entities = [UserSchema, RefreshTokenSchema];
