// /api/notes: forwards to the notes service with the caller's identity; the notes service checks
// ownership and sharing itself (404 for a note the caller may not see, 403 for a write to a note only
// shared with them).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { present, toNote } from '../convert.js';
import { errors, UPSTREAM_ERRORS } from '../errors.js';
import { callOptions } from '../grpc.js';
import { bearer, Email, NoContent, Note, Uuid } from '../schemas.js';

const Title = Type.String({ minLength: 1, maxLength: 200 });
const Body = Type.String({ maxLength: 100_000 });

const NoteParams = Type.Object({ id: Uuid });
const ShareParams = Type.Object({ id: Uuid, userId: Uuid });
const DEFAULT_LIMIT = 20;
const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_LIMIT })),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'nextCursor of the previous page' })),
});

const NotePage = Type.Object(
  { notes: Type.Array(Note), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false, title: 'NotePage' },
);
const Share = Type.Object({ userId: Uuid, email: Email }, { additionalProperties: false, title: 'Share' });
const ShareList = Type.Object(
  { shares: Type.Array(Share) },
  { additionalProperties: false, title: 'ShareList' },
);

const notes: FastifyPluginAsyncTypebox = async (fastify) => {
  const client = fastify.upstreams.notes;
  fastify.addHook('onRequest', fastify.authenticate);

  fastify.get(
    '',
    {
      schema: {
        tags: ['notes'],
        summary: 'My notes and the notes shared with me, newest first',
        security: bearer,
        querystring: ListQuery,
        response: { 200: NotePage, ...errors(400, 401, ...UPSTREAM_ERRORS) },
      },
    },
    async (request) => {
      const { limit = DEFAULT_LIMIT, cursor = '' } = request.query;
      const page = await client.listNotes({ limit, cursor }, callOptions(request, request.user.sub));
      return { notes: page.notes.map(toNote), nextCursor: page.nextCursor ?? null };
    },
  );

  fastify.post(
    '',
    {
      schema: {
        tags: ['notes'],
        summary: 'Create a note',
        security: bearer,
        body: Type.Object({ title: Title, body: Body }, { additionalProperties: false }),
        response: { 201: Note, ...errors(400, 401, ...UPSTREAM_ERRORS) },
      },
    },
    async (request, reply) => {
      const { title, body } = request.body;
      const { note } = await client.createNote({ title, body }, callOptions(request, request.user.sub));
      return reply.code(201).send(toNote(note));
    },
  );

  fastify.get(
    '/:id',
    {
      schema: {
        tags: ['notes'],
        summary: 'A note I own or that is shared with me',
        security: bearer,
        params: NoteParams,
        response: { 200: Note, ...errors(400, 401, 404, ...UPSTREAM_ERRORS) },
      },
    },
    async (request) => {
      const { note } = await client.getNote(
        { id: request.params.id },
        callOptions(request, request.user.sub),
      );
      return toNote(note);
    },
  );

  fastify.patch(
    '/:id',
    {
      schema: {
        tags: ['notes'],
        summary: 'Change the title or body of a note I own',
        security: bearer,
        params: NoteParams,
        body: Type.Object(
          { title: Type.Optional(Title), body: Type.Optional(Body) },
          { additionalProperties: false },
        ),
        response: { 200: Note, ...errors(400, 401, 403, 404, ...UPSTREAM_ERRORS) },
      },
    },
    async (request) => {
      const { title, body } = request.body;
      const { note } = await client.updateNote(
        { id: request.params.id, title, body },
        callOptions(request, request.user.sub),
      );
      return toNote(note);
    },
  );

  fastify.delete(
    '/:id',
    {
      schema: {
        tags: ['notes'],
        summary: 'Delete a note I own',
        security: bearer,
        params: NoteParams,
        response: { 204: NoContent, ...errors(400, 401, 403, 404, ...UPSTREAM_ERRORS) },
      },
    },
    async (request, reply) => {
      await client.deleteNote({ id: request.params.id }, callOptions(request, request.user.sub));
      return reply.code(204).send(null);
    },
  );

  fastify.post(
    '/:id/shares',
    {
      schema: {
        tags: ['notes'],
        summary: 'Share a note I own, read-only, with the user who has this email',
        security: bearer,
        params: NoteParams,
        body: Type.Object({ email: Email }, { additionalProperties: false }),
        response: { 201: Share, ...errors(400, 401, 403, 404, 409, ...UPSTREAM_ERRORS) },
      },
    },
    async (request, reply) => {
      const { share } = await client.shareNote(
        { noteId: request.params.id, email: request.body.email },
        callOptions(request, request.user.sub),
      );
      const { userId, email } = present(share, 'share');
      return reply.code(201).send({ userId, email });
    },
  );

  fastify.get(
    '/:id/shares',
    {
      schema: {
        tags: ['notes'],
        summary: 'Who a note I own is shared with, in the order it was shared',
        security: bearer,
        params: NoteParams,
        response: { 200: ShareList, ...errors(400, 401, 403, 404, ...UPSTREAM_ERRORS) },
      },
    },
    async (request) => {
      const { shares } = await client.listShares(
        { noteId: request.params.id },
        callOptions(request, request.user.sub),
      );
      return { shares: shares.map(({ userId, email }) => ({ userId, email })) };
    },
  );

  fastify.delete(
    '/:id/shares/:userId',
    {
      schema: {
        tags: ['notes'],
        summary: 'Stop sharing a note I own with this user',
        security: bearer,
        params: ShareParams,
        response: { 204: NoContent, ...errors(400, 401, 403, 404, ...UPSTREAM_ERRORS) },
      },
    },
    async (request, reply) => {
      await client.unshareNote(
        { noteId: request.params.id, userId: request.params.userId },
        callOptions(request, request.user.sub),
      );
      return reply.code(204).send(null);
    },
  );
};

export default notes;
