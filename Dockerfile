# syntax=docker/dockerfile:1
# customer-gateway: build with the dev toolchain, run with production dependencies only, as a non-root user.
#   docker build -t customer-gateway .
#   docker run --rm -p 3000:3000 --env-file prod.env customer-gateway  # real upstreams (NODE_ENV=production)
# The image has no sandbox mode: the simulators stay out of it (`npm start` outside the image keeps them), and
# started without base URLs it stops with one line naming the variables to set.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY src ./src
COPY providers ./providers
# The support console's page and assets, built into dist/console by `npm run build`.
COPY console ./console
RUN npm run build
# Sandbox-only modules (the simulator kit, each provider's simulator and seeds) are loaded with a dynamic
# import() in sandbox mode only; the production program never reaches them (test/e2e/production-build.test.ts
# runs this line on a build and starts what is left).
RUN find dist \( -name 'simulator.*' -o -name 'seeds.*' \) -type f -delete

FROM node:20-bookworm-slim AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
# The V8 old space is capped so that the heap stays compact: a full cache (CACHE_MAX_BYTES) plus working
# memory fits, and RSS stays near the live data instead of twice it. glibc gives each thread that allocates (V8's
# GC and compiler threads) an arena of its own, and each keeps the memory it freed: two arenas keep RSS near what
# is live. npm run bench measures with both settings.
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    NODE_OPTIONS="--max-old-space-size=256" \
    MALLOC_ARENA_MAX=2
WORKDIR /app
# Owned by root and only readable by the runtime user: the process cannot rewrite its own code.
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The gateway drains on SIGTERM (SHUTDOWN_TIMEOUT_MS, default 10 s): give `docker stop -t` more than that.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/server.js"]
