# syntax=docker/dockerfile:1
# Production image of the knowledge service. Two stages:
#   build   - full `npm ci` (dev tools included), then scripts/package.sh: the same script CI's
#             production-install test runs (compile to dist/, `npm pack`, `npm ci --omit=dev` of
#             the packed package into /app);
#   runtime - Node 20 slim with /app only: compiled code, schema, bundled fallback model and the
#             runtime dependencies. Runs as the unprivileged `node` user.
# Build: docker build -t knowledge-graphql .     Run: see compose.yaml and docs/deploy.md.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# onnxruntime-node's install script must never download CUDA binaries.
ENV ONNXRUNTIME_NODE_INSTALL=skip ONNXRUNTIME_NODE_INSTALL_CUDA=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN bash scripts/package.sh /app

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    MODEL_CACHE_DIR=/data/model-cache
WORKDIR /app
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /data && chown node:node /data
USER node
# Model downloads (Hugging Face cache) persist here; mount a volume or set CLIP_MODEL_DIR.
VOLUME ["/data"]
EXPOSE 4000
# Liveness only (the process answers); readiness (/readyz: Milvus and Neo4j reachable) is for the
# orchestrator's readiness probe, so a store outage does not restart healthy containers.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
