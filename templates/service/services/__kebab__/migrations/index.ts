// Every migration of the __kebab__ database, oldest first. Add new ones at the end; never edit an applied one.
import { Migration__timestamp__ } from './Migration__timestamp__.js';

export const migrations = [Migration__timestamp__];
