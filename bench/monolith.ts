// The baselines of `npm run bench`, in one Fastify process (run by bench/run.ts, from the built output):
//   GET /bare   a constant: the ceiling of the HTTP layer on this machine;
//   GET /notes  what a user gets without microservices: the gateway's JWT check (same secret,
//               algorithm, issuer and audience) and the notes domain with its Postgres adapter (the
//               same code, hence the same SQL on the same database) in one process, answered through
//               the gateway's own response schema. No gRPC hop, no second process.
// Env: PORT, HOST, DATABASE_URL (the notes database), JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE.
import jwt from '@fastify/jwt';
import Fastify from 'fastify';
import { Type } from 'typebox';
import { createLogger, openDatabase } from '../services/platform/dist/index.js';
import { migrations } from '../services/notes/dist/migrations/index.js';
import { PostgresNoteRepository } from '../services/notes/dist/src/db.js';
import { entities } from '../services/notes/dist/src/entities.js';
import { NoteService } from '../services/notes/dist/src/service.js';
import { Note } from '../services/gateway/dist/src/schemas.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const logger = createLogger('monolith');
const orm = await openDatabase({ url: env('DATABASE_URL'), entities, migrations, logger });
const notes = new NoteService({
  notes: new PostgresNoteRepository(orm),
  users: {
    findByEmail: () => Promise.resolve(null),
    findById: () => Promise.resolve(null),
  },
});

const app = Fastify({ loggerInstance: logger });
await app.register(jwt, {
  secret: env('JWT_SECRET'),
  verify: {
    algorithms: ['HS256'],
    allowedIss: env('JWT_ISSUER'),
    allowedAud: env('JWT_AUDIENCE'),
    requiredClaims: ['sub', 'exp', 'iss', 'aud'],
  },
});

app.get('/bare', async () => ({ status: 'ok' }));

const NotePage = Type.Object(
  { notes: Type.Array(Note), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);

app.get<{ Querystring: { limit?: number; cursor?: string } }>(
  '/notes',
  {
    schema: {
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
        cursor: Type.Optional(Type.String({ maxLength: 512 })),
      }),
      response: { 200: NotePage },
    },
  },
  async (request, reply) => {
    let userId: string;
    try {
      userId = ((await request.jwtVerify()) as { sub: string }).sub;
    } catch {
      return reply.code(401).send({ error: { code: 'UNAUTHENTICATED', message: 'Sign in first' } });
    }
    const page = await notes.listNotes(userId, {
      limit: request.query.limit ?? 20,
      cursor: request.query.cursor ?? '',
    });
    return {
      notes: page.notes.map((note) => ({
        ...note,
        createdAt: note.createdAt.toISOString(),
        updatedAt: note.updatedAt.toISOString(),
      })),
      nextCursor: page.nextCursor ?? null,
    };
  },
);

await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) });
logger.info({ port: (app.server.address() as { port: number }).port }, 'listening');

process.once('SIGTERM', async () => {
  await app.close();
  await orm.close();
  process.exit(0);
});
