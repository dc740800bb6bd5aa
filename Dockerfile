# syntax=docker/dockerfile:1
#
# The Nexus Flow server: REST API, Socket.IO, OpenAI-compatible API, the editor (served at /) and
# the chat widget. Build from the repository root:
#
#   docker build -t nexusflow .
#   docker run -p 3000:3000 -e JWT_SECRET="$(openssl rand -base64 48)" -v nexusflow-data:/data nexusflow
#
# Several processes behind a load balancer: examples/deploy/. No Docker engine runs where this
# project is developed and tested, so this file is not exercised by CI (see examples/deploy/README.md).

# 1. Build: the full install (dev dependencies included), then every package's dist/ (turbo).
FROM node:20-bookworm AS build
# isolated-vm and better-sqlite3 compile from source when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# The system Chromium is used at run time; puppeteer must not download its own.
ENV PUPPETEER_SKIP_DOWNLOAD=true \
    TURBO_TELEMETRY_DISABLED=1
WORKDIR /app
COPY package.json package-lock.json .npmrc .puppeteerrc.cjs ./
COPY schemas/package.json schemas/
COPY engine/package.json engine/
COPY nodes/package.json nodes/
COPY server/package.json server/
COPY editor/package.json editor/
RUN npm ci
COPY . .
RUN npm run build

# 2. Production dependencies only. The native modules are compiled again here, against the same
#    Node major and Debian release as the runtime image.
FROM node:20-bookworm AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV PUPPETEER_SKIP_DOWNLOAD=true
WORKDIR /app
COPY package.json package-lock.json .npmrc .puppeteerrc.cjs ./
COPY schemas/package.json schemas/
COPY engine/package.json engine/
COPY nodes/package.json nodes/
COPY server/package.json server/
COPY editor/package.json editor/
RUN npm ci --omit=dev

# 3. Runtime: Node, Debian's Chromium for WhatsApp Web connections, tini as PID 1 (forwards SIGTERM,
#    reaps Chromium's child processes), a non-root user.
FROM node:20-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-liberation ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    WHATSAPP_CHROMIUM_PATH=/usr/bin/chromium \
    PUPPETEER_SKIP_DOWNLOAD=true
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# What the server reads at run time besides dist/: plugin.json and the JSON Schemas, the widget's
# browser source (bundled on first request, with its tsconfig), the built editor, and examples/
# (the demo workspace, DEMO=1).
COPY --from=build /app/package.json /app/tsconfig.base.json ./
COPY --from=build /app/schemas ./schemas
COPY --from=build /app/engine ./engine
COPY --from=build /app/nodes ./nodes
COPY --from=build /app/server ./server
COPY --from=build /app/editor/package.json ./editor/package.json
COPY --from=build /app/editor/dist ./editor/dist
COPY --from=build /app/examples ./examples
# The application stays root-owned and read-only to the server; only DATA_DIR is writable.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--no-node-snapshot", "server/dist/cli/main.js", "serve"]
