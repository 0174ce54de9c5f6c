// The public boundary of the notes service: its generated gRPC client definition and message types,
// and the limits its requests must keep (plain constants, for the gateway's request schemas); nothing
// else. The gateway (and any other caller) imports only this.
export {
  NotesServiceDefinition,
  type CreateNoteRequest,
  type CreateNoteResponse,
  type DeleteNoteRequest,
  type DeleteNoteResponse,
  type GetNoteRequest,
  type GetNoteResponse,
  type ListNotesRequest,
  type ListNotesResponse,
  type ListSharesRequest,
  type ListSharesResponse,
  type Note,
  type NotesServiceClient,
  type Share,
  type ShareNoteRequest,
  type ShareNoteResponse,
  type UnshareNoteRequest,
  type UnshareNoteResponse,
  type UpdateNoteRequest,
  type UpdateNoteResponse,
} from './gen/notes/v1/notes.js';
export { NOTE_LIMITS } from './limits.js';
