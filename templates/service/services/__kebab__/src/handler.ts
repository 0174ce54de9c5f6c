// The gRPC endpoints: caller identity from metadata, proto request → domain call → proto response;
// domain errors → gRPC status.
import { allFieldsUsed, requireCallerId, serverError } from '@app/platform';
import { type ServerError, Status } from 'nice-grpc';
import type { __Pascal__ServiceImplementation, Item as ProtoItem } from './gen/__snake__/v1/__snake__.js';
import { ItemsError, type Item, type ItemService, type ItemsErrorCode } from './service.js';

const STATUS = {
  INVALID_ID: Status.INVALID_ARGUMENT,
  INVALID_NAME: Status.INVALID_ARGUMENT,
  INVALID_LIMIT: Status.INVALID_ARGUMENT,
  INVALID_CURSOR: Status.INVALID_ARGUMENT,
  INVALID_INPUT: Status.INVALID_ARGUMENT,
  ITEM_NOT_FOUND: Status.NOT_FOUND,
  UNAVAILABLE: Status.UNAVAILABLE,
} satisfies Record<ItemsErrorCode, Status>;

// Each endpoint names every field of its request and passes the rest to allFieldsUsed, and builds the
// domain input as a literal: a field added to a request message fails `npm run check` here until it is
// forwarded, and then until the domain input takes it.
export function create__Pascal__Handler(items: ItemService): __Pascal__ServiceImplementation {
  return {
    listItems: ({ limit, cursor, ...rest }, context) =>
      call(async () => {
        allFieldsUsed(rest);
        const page = await items.listItems(requireCallerId(context), { limit, cursor });
        return { items: page.items.map(toProto), nextCursor: page.nextCursor };
      }),
    createItem: ({ name, ...rest }, context) =>
      call(async () => {
        allFieldsUsed(rest);
        return { item: toProto(await items.createItem(requireCallerId(context), { name })) };
      }),
    getItem: ({ id, ...rest }, context) =>
      call(async () => {
        allFieldsUsed(rest);
        return { item: toProto(await items.getItem(requireCallerId(context), id)) };
      }),
    updateItem: ({ id, name, ...rest }, context) =>
      call(async () => {
        allFieldsUsed(rest);
        return { item: toProto(await items.updateItem(requireCallerId(context), { id, name })) };
      }),
    deleteItem: ({ id, ...rest }, context) =>
      call(async () => {
        allFieldsUsed(rest);
        await items.deleteItem(requireCallerId(context), id);
        return {};
      }),
  };
}

/** Domain errors carry messages written for clients; anything else is left to the error middleware. */
async function call<T>(endpoint: () => Promise<T>): Promise<T> {
  try {
    return await endpoint();
  } catch (error) {
    // (`instanceof` narrows the generic class to ItemsError<any>.)
    throw error instanceof ItemsError ? toServerError(error as ItemsError) : error;
  }
}

/** A domain error about one input field carries it as a google.rpc.BadRequest field violation. */
function toServerError(error: ItemsError): ServerError {
  return serverError(STATUS[error.code], error.message, error.field);
}

function toProto(item: Item): ProtoItem {
  return {
    id: item.id,
    ownerId: item.ownerId,
    name: item.name,
    createdAt: item.createdAt.toISOString(),
    updatedAt: item.updatedAt.toISOString(),
  };
}
