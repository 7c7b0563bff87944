# Assay in a container: `docker build -t assay .`, then run it with DATABASE_URL and ASSAY_SECRET (see compose.yaml).
# Not built in this project's CI (its machines have no Docker engine): kept to plain, standard steps.

# Build stage: the full install (TypeScript tooling, esbuild) compiles src/ to dist/.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Runtime stage: production dependencies only, the compiled server and the migrations it applies at start.
FROM node:24-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 ASSAY_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
# Stored dataset files (and, without DATABASE_URL, the embedded PostgreSQL) live under /data, owned by the app's user.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=64", "dist/main.js"]
