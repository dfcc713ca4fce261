# Onramp service image: runs the compiled host (dist/main.js, built by scripts/build.mjs), not the
# TypeScript sources.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# The web console (ui/ -> ui/dist) and the host (src/, connectors/ -> dist/), built with the dev
# dependencies; only their output is kept.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY ui ./ui
COPY scripts/build-ui.mjs ./scripts/build-ui.mjs
RUN node scripts/build-ui.mjs --force
COPY src ./src
COPY connectors ./connectors
COPY scripts/build.mjs scripts/token.ts ./scripts/
RUN node scripts/build.mjs --force

FROM node:24-slim
LABEL org.opencontainers.image.title="Onramp" \
      org.opencontainers.image.description="CDC connectors: PostgreSQL and MySQL/MariaDB to Kafka with a schema registry, and JDBC sinks, behind Kafka Connect's REST API" \
      org.opencontainers.image.licenses="Apache-2.0"
ARG ONRAMP_VERSION=0.0.0
ARG ONRAMP_COMMIT=unknown
LABEL org.opencontainers.image.version="${ONRAMP_VERSION}" \
      org.opencontainers.image.revision="${ONRAMP_COMMIT}"
# Reachable beyond the container, so REST tokens are required: create one with
# `docker exec <container> node dist/token.js create --name admin --role admin` (prints it once).
ENV ONRAMP_COMMIT="${ONRAMP_COMMIT}" \
    NODE_ENV=production \
    ONRAMP_REST_HOST=0.0.0.0 \
    ONRAMP_REST_AUTH=token \
    ONRAMP_DATA_DIR=/app/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY --from=build /app/dist ./dist
COPY config ./config
COPY --from=build /app/ui/dist ./ui/dist
# Code stays root-owned and read-only to the service; only its data folder is writable.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 8083
# /health needs no token: 200 once the worker runs and Kafka answers it, 503 otherwise.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8083/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=8", "dist/main.js"]
