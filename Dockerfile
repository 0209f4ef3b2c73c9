# Heater in a container: built with dev dependencies, run with production ones, as a non-root user.
# Built and run by hand (no Docker engine on the development machines; see docs/operations.md, "Running it"):
#   docker build -t heater .
#   docker run -d -p 8080:8080 -v heater-data:/var/lib/heater/repos --stop-timeout 40 heater
# The start command is the one the tests run (test/crash.test.ts, test/shutdown.test.ts): node dist/main.js.

FROM node:20-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches the platform
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# `prepare` builds dist/, which needs src/: install without scripts, then run the native packages' own
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build --silent && npm prune --omit=dev --ignore-scripts

FROM node:20-slim
# git serves the repositories; the pre-receive hook is a bash script (bash is in the base image)
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/heater --create-home --shell /usr/sbin/nologin heater \
 && mkdir -p /var/lib/heater/repos && chown -R heater:heater /var/lib/heater
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
ENV NODE_ENV=production \
    HEATER_HOST=0.0.0.0 \
    HEATER_PORT=8080 \
    HEATER_REPOS=/var/lib/heater/repos
USER heater
VOLUME ["/var/lib/heater/repos"]
EXPOSE 8080
# ready = data directory writable, git found, index caught up, not shutting down (see /readyz in docs/operations.md)
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains for HEATER_SHUTDOWN_GRACE (30 s): give `docker stop` more than that (--stop-timeout 40)
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
