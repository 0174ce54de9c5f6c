// The __kebab__ migrate command: applies the pending migrations of its database and exits
// (`npm run migrate -w @app/__kebab__`; in the image, `__kebab__ migrate`). Safe to run twice and concurrently.
import { runMigrations } from '@app/platform';
import { migrations } from '../migrations/index.js';
import { entities } from './entities.js';

await runMigrations('__kebab__', { entities, migrations });
