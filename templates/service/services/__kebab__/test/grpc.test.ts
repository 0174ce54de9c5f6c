// The __kebab__ service over a real gRPC server and a real Postgres: the handler, the domain and the
// MikroORM adapter together, as the gateway calls them.
import { randomUUID } from 'node:crypto';
import { createTestDatabase, startTestGrpcServer, type TestDatabase, type TestGrpcServer } from '@app/devkit';
import { callerMetadata, createServiceClient, openDatabase, type MikroORM } from '@app/platform';
import { ClientError, Status } from 'nice-grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../migrations/index.js';
import { PostgresItemRepository } from '../src/db.js';
import { entities } from '../src/entities.js';
import { create__Pascal__Handler } from '../src/handler.js';
import { __Pascal__ServiceDefinition } from '../src/index.js';
import { ItemService } from '../src/service.js';

let database: TestDatabase;
let orm: MikroORM;
let server: TestGrpcServer;
let connection: ReturnType<typeof createServiceClient<typeof __Pascal__ServiceDefinition>>;
let client: (typeof connection)['client'];

const alice = randomUUID();
const bob = randomUUID();
/** Call options carrying the user's identity, as the gateway sends it. */
const as = (userId: string) => ({ metadata: callerMetadata(userId) });

async function expectStatus(promise: Promise<unknown>, code: Status): Promise<ClientError> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(ClientError);
  expect(Status[(error as ClientError).code]).toBe(Status[code]);
  return error as ClientError;
}

beforeAll(async () => {
  database = await createTestDatabase('__snake___grpc');
  orm = await openDatabase({ url: database.url, entities, migrations });
  const items = new ItemService({ items: new PostgresItemRepository(orm) });
  server = await startTestGrpcServer((s) =>
    s.add(__Pascal__ServiceDefinition, create__Pascal__Handler(items)),
  );
  connection = createServiceClient(__Pascal__ServiceDefinition, server.address);
  client = connection.client;
});

afterAll(async () => {
  connection?.close();
  await server?.shutdown();
  await orm?.close();
  await database?.drop();
});

describe('items', () => {
  it('creates, reads, renames and deletes an item of its owner', async () => {
    const { item } = await client.createItem({ name: '  First  ' }, as(alice));
    expect(item).toMatchObject({ ownerId: alice, name: 'First' });
    expect((await client.getItem({ id: item!.id }, as(alice))).item).toEqual(item);

    const { item: renamed } = await client.updateItem({ id: item!.id, name: 'Renamed' }, as(alice));
    expect(renamed).toMatchObject({ id: item!.id, name: 'Renamed', createdAt: item!.createdAt });
    const { item: unchanged } = await client.updateItem({ id: item!.id }, as(alice));
    expect(unchanged?.name).toBe('Renamed');

    await client.deleteItem({ id: item!.id }, as(alice));
    await expectStatus(client.getItem({ id: item!.id }, as(alice)), Status.NOT_FOUND);
    await expectStatus(client.deleteItem({ id: item!.id }, as(alice)), Status.NOT_FOUND);
  });

  it('hides an item from every other user: NOT_FOUND, never PERMISSION_DENIED', async () => {
    const { item } = await client.createItem({ name: 'Private' }, as(alice));
    await expectStatus(client.getItem({ id: item!.id }, as(bob)), Status.NOT_FOUND);
    await expectStatus(client.updateItem({ id: item!.id, name: 'Mine' }, as(bob)), Status.NOT_FOUND);
    await expectStatus(client.deleteItem({ id: item!.id }, as(bob)), Status.NOT_FOUND);
    expect((await client.listItems({ limit: 0, cursor: '' }, as(bob))).items).toEqual([]);
    expect((await client.getItem({ id: item!.id }, as(alice))).item?.name).toBe('Private');
  });

  it('lists the owner’s items newest first, page by page, without skipping or repeating', async () => {
    const owner = randomUUID();
    const created = [];
    for (const name of ['a', 'b', 'c', 'd', 'e'])
      created.push((await client.createItem({ name }, as(owner))).item!);
    const seen: string[] = [];
    let cursor = '';
    for (;;) {
      const page = await client.listItems({ limit: 2, cursor }, as(owner));
      seen.push(...page.items.map((item) => item.name));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(['e', 'd', 'c', 'b', 'a']);
  });

  it('answers bad input with INVALID_ARGUMENT naming the field, and no identity with UNAUTHENTICATED', async () => {
    await expectStatus(client.createItem({ name: ' ' }, as(alice)), Status.INVALID_ARGUMENT);
    await expectStatus(client.createItem({ name: 'x'.repeat(201) }, as(alice)), Status.INVALID_ARGUMENT);
    await expectStatus(client.createItem({ name: 'nul\u0000byte' }, as(alice)), Status.INVALID_ARGUMENT);
    await expectStatus(client.getItem({ id: 'not-a-uuid' }, as(alice)), Status.INVALID_ARGUMENT);
    await expectStatus(client.listItems({ limit: 101, cursor: '' }, as(alice)), Status.INVALID_ARGUMENT);
    await expectStatus(client.listItems({ limit: 0, cursor: 'bogus' }, as(alice)), Status.INVALID_ARGUMENT);
    await expectStatus(client.createItem({ name: 'anonymous' }), Status.UNAUTHENTICATED);
  });
});
