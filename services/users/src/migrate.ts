// The users migrate command: applies the pending migrations of its database and exits
// (`npm run migrate -w @app/users`; in the image, `users migrate`). Safe to run twice and concurrently.
import { runMigrations } from '@app/platform';
import { migrations } from '../migrations/index.js';
import { entities } from './entities.js';

await runMigrations('users', { entities, migrations });
