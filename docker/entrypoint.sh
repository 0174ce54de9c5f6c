#!/bin/sh
# The entrypoint of every image: `<image>` serves, `<image> migrate` applies the pending migrations and
# exits, `<image> dev` (the dev target) runs the workspace's dev command, anything else runs as given.
# Node replaces this shell (exec), so it is PID 1 and gets SIGTERM itself.
set -eu
. /app/image.env
export PORT="${PORT:-$SERVICE_PORT}"
cd "/app/$SERVICE_DIR"
telemetry=@app/platform/telemetry/register

case "${1:-serve}" in
  serve)
    exec node --import "$telemetry" "/app/$SERVE"
    ;;
  migrate)
    if [ -z "$MIGRATE" ]; then
      echo "$SERVICE_NAME has no database: nothing to migrate" >&2
      exit 2
    fi
    # The dev target has sources, not dist: the workspace's own migrate command runs them.
    if [ ! -e "/app/$MIGRATE" ]; then exec npm run --silent migrate; fi
    exec node --import "$telemetry" "/app/$MIGRATE"
    ;;
  dev)
    # Watches the sources synced into /app/<workspace>/src and restarts (the web app: Vite reloads).
    if [ "$SERVICE_KIND" = web ]; then exec npm run dev -- --host 0.0.0.0; fi
    exec npm run dev
    ;;
  *)
    exec "$@"
    ;;
esac
