// The public boundary of the __kebab__ service: its generated gRPC client definition and message types,
// and the limits its requests must keep; nothing else. The gateway (and any other caller) imports only this.
export {
  __Pascal__ServiceDefinition,
  type __Pascal__ServiceClient,
  type CreateItemRequest,
  type CreateItemResponse,
  type DeleteItemRequest,
  type DeleteItemResponse,
  type GetItemRequest,
  type GetItemResponse,
  type Item,
  type ListItemsRequest,
  type ListItemsResponse,
  type UpdateItemRequest,
  type UpdateItemResponse,
} from './gen/__snake__/v1/__snake__.js';
export { ITEM_LIMITS } from './limits.js';
