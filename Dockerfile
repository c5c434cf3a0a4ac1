# One image for any module set: choose with CLEAVE_MODULES (default: all modules in one process).
FROM node:22-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY modules modules
COPY migrations migrations
COPY bin bin
RUN npx tsc -p tsconfig.build.json && node bin/bundle.mjs && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    CLEAVE_DATA_DIR=/data \
    CLEAVE_HTTP_HOST=0.0.0.0 \
    CLEAVE_HTTP_PORT=3000
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
COPY bin bin
COPY config config
RUN mkdir -p /data && chown node:node /data
# The image's node user, by number: Kubernetes' runAsNonRoot can verify a number, not a name.
USER 1000:1000
VOLUME /data
EXPOSE 3000 1883 8883
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + process.env.CLEAVE_HTTP_PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["node", "bin/cleave"]
CMD ["start"]
