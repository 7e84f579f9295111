# pantau-lpse — the same steps CI runs (.ci/run): npm ci, build, prune dev dependencies, start dist.
FROM node:24-bookworm-slim AS build
WORKDIR /app
# sqlite3 builds from source: it needs a compiler and Python.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
COPY config ./config
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    STORE_URL=sqlite:///app/data/pantau.sqlite \
    CONFIG_PATH=/app/config/pantau.yaml \
    HTTP_PORT=8080
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/config ./config
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node is PID 1's only child-free process here: it handles SIGTERM itself and stops within 10 s.
STOPSIGNAL SIGTERM
CMD ["node", "--optimize-for-size", "dist/src/main.js"]
