// The storage adapter: the domain's ItemRepository on Postgres through MikroORM. One EntityManager fork
// per call; driver errors become domain errors here and nowhere else.
import { classifyDriverError, type MikroORM } from '@app/platform';
import { Item } from './entities.js';
import {
  InvalidInputError,
  UnavailableError,
  type Item as DomainItem,
  type ItemChanges,
  type ItemPosition,
  type ItemRepository,
} from './service.js';

export class PostgresItemRepository implements ItemRepository {
  constructor(private readonly orm: MikroORM) {}

  insert(item: DomainItem): Promise<void> {
    return guard(async () => {
      await this.orm.em.fork().insert(Item, item);
    });
  }

  findOwned(ownerId: string, id: string): Promise<DomainItem | null> {
    return guard(async () => {
      const row = await this.orm.em.fork().findOne(Item, { id, ownerId });
      return row ? toDomain(row) : null;
    });
  }

  update(ownerId: string, id: string, changes: ItemChanges): Promise<boolean> {
    return guard(async () => (await this.orm.em.fork().nativeUpdate(Item, { id, ownerId }, changes)) > 0);
  }

  delete(ownerId: string, id: string): Promise<boolean> {
    return guard(async () => (await this.orm.em.fork().nativeDelete(Item, { id, ownerId })) > 0);
  }

  listOwnedBy(
    ownerId: string,
    options: { limit: number; after?: ItemPosition | undefined },
  ): Promise<DomainItem[]> {
    return guard(async () => {
      // On the (owner_id, created_at, id) index: a page costs the same whatever other users hold.
      const { after } = options;
      const rows = await this.orm.em.fork().find(
        Item,
        after
          ? {
              ownerId,
              $or: [
                { createdAt: { $lt: after.createdAt } },
                { createdAt: after.createdAt, id: { $lt: after.id } },
              ],
            }
          : { ownerId },
        { orderBy: { createdAt: 'desc', id: 'desc' }, limit: options.limit },
      );
      return rows.map(toDomain);
    });
  }
}

function toDomain(row: Item): DomainItem {
  return {
    id: row.id,
    ownerId: row.ownerId,
    name: row.name,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/**
 * Runs a query; driver errors become domain errors by kind: a database that cannot be reached
 * UnavailableError, a value it refuses (e.g. a NUL character) InvalidInputError; anything else is a
 * bug (INTERNAL, logged by the error middleware).
 */
async function guard<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    const kind = classifyDriverError(error);
    if (kind === 'unavailable') throw new UnavailableError();
    if (kind === 'invalid-data') throw new InvalidInputError();
    throw error;
  }
}
