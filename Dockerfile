# syntax=docker/dockerfile:1
# The autoseg worker (and CLI) image, for the `worker` services of docker-compose.yml.
#   build:   compiles dist/ and packs the package exactly as `npm pack` ships it (package.json
#            "files": bin/, dist/, src/, ...), so the image holds what a user's install holds;
#   deps:    production dependencies only, from the lockfile;
#   runtime: the two together, run as the unprivileged `node` user (uid 1000), app files owned
#            by root and read-only to it; writable are only /stage (runs' intermediate data,
#            0700 as autoseg requires) and /data (files that runs read and write).
# The base is pinned to a Node release; to pin its digest as well, build with
#   --build-arg NODE_IMAGE=node:22.23.2-bookworm-slim@sha256:<digest>
ARG NODE_IMAGE=node:22.23.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY scripts/ensure-temporal.sh ./scripts/
COPY examples/customers.csv ./examples/
RUN npm run build \
 && npm pack --ignore-scripts --pack-destination /tmp \
 && mkdir /package \
 && tar -xzf /tmp/autoseg-*.tgz -C /package --strip-components=1

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    AUTOSEG_STAGE_DIR=/stage \
    AUTOSEG_FILE_ROOTS=/data \
    AUTOSEG_REPORT_DIR=/data/reports
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /package ./
COPY deploy/worker/healthcheck.cjs /usr/local/lib/autoseg/healthcheck.cjs
# `autoseg` on PATH for `docker compose exec worker autoseg ...`.
RUN chmod 0755 /app/bin/autoseg.js \
 && ln -s /app/bin/autoseg.js /usr/local/bin/autoseg \
 && install -d -o node -g node -m 0700 /stage \
 && install -d -o node -g node -m 0755 /data
USER node
# Relative paths given to `autoseg run` (--input, --out) resolve here, inside the allowed root.
WORKDIR /data
VOLUME ["/stage", "/data"]
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["node", "/usr/local/lib/autoseg/healthcheck.cjs"]
ENTRYPOINT ["node", "/app/bin/autoseg.js"]
CMD ["worker"]
