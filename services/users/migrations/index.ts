// Every migration of the users database, oldest first. Add new ones at the end; never edit an applied one.
import { Migration20261128000000 } from './Migration20261128000000.js';
import { Migration20261201100000 } from './Migration20261201100000.js';

export const migrations = [Migration20261128000000, Migration20261201100000];
