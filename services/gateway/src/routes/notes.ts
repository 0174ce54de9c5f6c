// /api/notes: forwards to the notes service with the caller's identity; the notes service checks
// ownership and sharing itself (404 for a note the caller may not see, 403 for a write to a note only
// shared with them).
// Every gRPC request is built as a Complete<…Request> value: a field added to a request message fails
// `npm run check` here until the route forwards it.
import type {
  CreateNoteRequest,
  DeleteNoteRequest,
  GetNoteRequest,
  ListNotesRequest,
  ListSharesRequest,
  ShareNoteRequest,
  UnshareNoteRequest,
  UpdateNoteRequest,
} from '@app/notes';
import { NOTE_LIMITS } from '@app/notes';
import type { Complete } from '@app/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { present, toNote, toShare } from '../convert.js';
import { errors, pageLimit, UPSTREAM_ERRORS } from '../errors.js';
import { callOptions } from '../grpc.js';
import {
  bearer,
  CreateNoteBody,
  DEFAULT_PAGE_SIZE,
  ListQuery,
  NoContent,
  Note,
  NotePage,
  NoteParams,
  Share,
  ShareBody,
  ShareList,
  ShareParams,
  UpdateNoteBody,
} from '../schemas.js';

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
      const { limit = DEFAULT_PAGE_SIZE, cursor = '' } = request.query;
      const message: Complete<ListNotesRequest> = {
        limit: pageLimit(limit, NOTE_LIMITS.pageSizeMax),
        cursor,
      };
      const page = await client.listNotes(message, callOptions(request, request.user.sub));
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
        body: CreateNoteBody,
        response: { 201: Note, ...errors(400, 401, ...UPSTREAM_ERRORS) },
      },
    },
    async (request, reply) => {
      const { title, body } = request.body;
      const message: Complete<CreateNoteRequest> = { title, body };
      const { note } = await client.createNote(message, callOptions(request, request.user.sub));
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
      const message: Complete<GetNoteRequest> = { id: request.params.id };
      const { note } = await client.getNote(message, callOptions(request, request.user.sub));
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
        body: UpdateNoteBody,
        response: { 200: Note, ...errors(400, 401, 403, 404, ...UPSTREAM_ERRORS) },
      },
    },
    async (request) => {
      const { title, body } = request.body;
      const message: Complete<UpdateNoteRequest> = { id: request.params.id, title, body };
      const { note } = await client.updateNote(message, callOptions(request, request.user.sub));
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
      const message: Complete<DeleteNoteRequest> = { id: request.params.id };
      await client.deleteNote(message, callOptions(request, request.user.sub));
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
        body: ShareBody,
        response: { 201: Share, ...errors(400, 401, 403, 404, 409, ...UPSTREAM_ERRORS) },
      },
    },
    async (request, reply) => {
      const message: Complete<ShareNoteRequest> = { noteId: request.params.id, email: request.body.email };
      const { share } = await client.shareNote(message, callOptions(request, request.user.sub));
      return reply.code(201).send(toShare(present(share, 'share')));
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
      const message: Complete<ListSharesRequest> = { noteId: request.params.id };
      const { shares } = await client.listShares(message, callOptions(request, request.user.sub));
      return { shares: shares.map(toShare) };
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
      const message: Complete<UnshareNoteRequest> = {
        noteId: request.params.id,
        userId: request.params.userId,
      };
      await client.unshareNote(message, callOptions(request, request.user.sub));
      return reply.code(204).send(null);
    },
  );
};

export default notes;
