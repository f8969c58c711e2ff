# candlestream as an image: Node 24 runs the TypeScript as it is (type stripping), so there is no build
# step and no compiler in the image; only the production dependencies are installed.
#   docker build -t candlestream .
#   docker run --rm candlestream --help
FROM node:24-bookworm-slim AS dependencies
WORKDIR /app
# .npmrc: onnxruntime-node's install script only fetches optional GPU libraries; the CPU ones ship in the package.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies /app/node_modules node_modules
COPY package.json ./
COPY backfill backfill
COPY cli cli
COPY io io
COPY landing landing
COPY live live
COPY market market
COPY models models
COPY processors processors
COPY state state
COPY topology topology
# The sample data, for the offline demo (docker compose --profile offline up offline).
COPY data data
# The state directory and the demo's output belong to the user the service runs as.
RUN mkdir -p .candlestream out && chown node:node .candlestream out
USER node
EXPOSE 9464
ENTRYPOINT ["node", "cli/candlestream.ts"]
CMD ["--help"]
