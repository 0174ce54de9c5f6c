# One Dockerfile for every image of the platform.
#
# Contract (the compose file, the Helm chart, Tilt and skaffold rely on it):
#   - docker build --build-arg SERVICE_NAME=<name> -t <name> .   one image per entry of services.json,
#     named after the service: users, notes, gateway, web.
#   - `<image>` serves; `<image> migrate` applies the pending migrations of a service with a database
#     and exits 0 (safe twice and concurrently); `<image> <command...>` runs the command.
#   - Runs as uid 1000 (user node), NODE_ENV=production, listens on the port of services.json; PORT
#     overrides it. Health: the gRPC health service for grpc services, HTTP GET /healthz for the gateway
#     and web (HEALTHCHECK runs docker/healthcheck.mjs, nothing extra installed).
#   - Target `dev`: dev dependencies and sources, runs the workspace's dev command, which restarts the
#     process when a file under /app/<workspace>/src changes (sync the sources there).
#   - NODE_IMAGE: the base, any Node 24 image with npm and a uid-1000 user `node` (default: the official
#     slim image; a registry mirror works the same).
#
# Stages: manifests (package.json files + lockfile of the service's workspaces only) → deps (installs
# from those alone, so a change to the sources reuses it) → build → runtime (production dependencies
# and built output of that one service). Use BuildKit (or podman/buildah) for the npm cache mount.

ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# --- manifests: what the dependency stages install from (docker/manifests.ts) --------------------------
# Only manifests are copied, so these stages and the installs below stay cached while sources change.
# One line per workspace of package.json "workspaces" (a test checks that they agree).
FROM ${NODE_IMAGE} AS workspace-manifests
WORKDIR /src
COPY package.json package-lock.json services.json ./
COPY services/platform/package.json services/platform/
COPY services/devkit/package.json services/devkit/
COPY services/users/package.json services/users/
COPY services/notes/package.json services/notes/
COPY services/gateway/package.json services/gateway/
COPY web/package.json web/
COPY scripts/lib/services.ts scripts/lib/
COPY docker/manifests.ts docker/
RUN node docker/manifests.ts /src /out

FROM workspace-manifests AS manifests
ARG SERVICE_NAME
RUN test -n "${SERVICE_NAME}" || { echo 'build with --build-arg SERVICE_NAME=<a service of services.json>' >&2; exit 1; }
RUN node docker/manifests.ts /src /out "${SERVICE_NAME}"

# --- deps: what building needs (every service's workspaces with their dev dependencies, the compiler);
# the same for every image, so it is installed once
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=workspace-manifests /out/build/ ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm install --no-audit --no-fund --ignore-scripts --prefer-offline --loglevel=warn

# --- runtime-deps: production dependencies only, without what Node never loads ----------------------
FROM ${NODE_IMAGE} AS runtime-deps
WORKDIR /app
COPY --from=manifests /out/runtime/ ./
COPY docker/prune.ts /tmp/prune.ts
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm install --omit=dev --no-audit --no-fund --ignore-scripts --prefer-offline --loglevel=warn \
 && node /tmp/prune.ts $(find . -name node_modules -type d -prune) \
 && rm -f package-lock.json

# --- build: compiles the service's workspaces (libraries first); of another service it keeps only the
# public boundary: dist/src/index.js and what it re-exports (the generated client, plain constants)
FROM deps AS build
COPY . .
COPY --from=manifests /out/workspaces /out/image.env /out/
RUN set -e; while read -r dir keep; do \
      (cd "$dir" && npm run --silent build --if-present); \
      mkdir -p "/out/app/$dir"; \
      if [ "$keep" = boundary ]; then \
        mkdir -p "/out/app/$dir/dist/src"; \
        (cd "$dir/dist/src" && tar -c index.js $(sed -n "s#.* from '\./\([^/']*\).*#\1#p" index.js | sort -u)) \
          | tar -x -C "/out/app/$dir/dist/src"; \
      else \
        for output in dist build server.js; do \
          if [ -e "$dir/$output" ]; then cp -R "$dir/$output" "/out/app/$dir/"; fi; \
        done; \
      fi; \
    done < /out/workspaces; \
    find /out/app \( -name '*.map' -o -name '*.d.ts' \) -delete; \
    cp /out/image.env /out/app/image.env

# --- dev: sources + dev dependencies; the dev command watches and restarts (Tilt, compose watch) -----
FROM deps AS dev
ENV NODE_ENV=development
COPY . .
COPY --from=manifests /out/image.env /app/image.env
COPY docker/entrypoint.sh docker/healthcheck.mjs /app/docker/
RUN chown -R node:node /app
USER node
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["dev"]

# --- runtime: the image -------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=runtime-deps /app/ ./
COPY --from=build /out/app/ ./
COPY docker/entrypoint.sh docker/healthcheck.mjs /app/docker/
USER node
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/docker/healthcheck.mjs"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
