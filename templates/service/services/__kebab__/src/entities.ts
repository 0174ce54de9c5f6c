// MikroORM entities of the __kebab__ database. The schema itself is written by hand in migrations/.
import { defineEntity, p } from '@mikro-orm/core';

const ItemSchema = defineEntity({
  name: 'Item',
  tableName: 'items',
  properties: {
    id: p.uuid().primary(),
    /** A user of the users service (another database: no foreign key). */
    ownerId: p.uuid(),
    name: p.string(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export class Item extends ItemSchema.class {}
ItemSchema.setClass(Item);

export const entities = [ItemSchema];
