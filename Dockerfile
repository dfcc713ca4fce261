# Onramp service image. Node 24 runs the TypeScript sources directly (type stripping): no build step.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# The web console (ui/ -> ui/dist): built with the dev dependencies, only its static files are kept.
FROM node:24-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY ui ./ui
COPY scripts/build-ui.mjs ./scripts/build-ui.mjs
RUN node scripts/build-ui.mjs --force

FROM node:24-slim
LABEL org.opencontainers.image.title="Onramp" \
      org.opencontainers.image.description="CDC connectors: PostgreSQL and MySQL/MariaDB to Kafka with a schema registry, and JDBC sinks, behind Kafka Connect's REST API" \
      org.opencontainers.image.licenses="Apache-2.0"
ARG ONRAMP_VERSION=0.0.0
ARG ONRAMP_COMMIT=unknown
LABEL org.opencontainers.image.version="${ONRAMP_VERSION}" \
      org.opencontainers.image.revision="${ONRAMP_COMMIT}"
# Reachable beyond the container, so REST tokens are required: create one with
# `docker exec <container> node scripts/token.ts create --name admin --role admin` (prints it once).
ENV NODE_ENV=production \
    ONRAMP_REST_HOST=0.0.0.0 \
    ONRAMP_REST_AUTH=token \
    ONRAMP_DATA_DIR=/app/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY src ./src
COPY connectors ./connectors
COPY config ./config
COPY --from=console /app/ui/dist ./ui/dist
COPY scripts/token.ts ./scripts/token.ts
# Code stays root-owned and read-only to the service; only its data folder is writable.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 8083
# /health needs no token: 200 once the worker runs and Kafka answers it, 503 otherwise.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8083/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=4", "src/main.ts"]
