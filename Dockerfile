# syntax=docker/dockerfile:1
# One image for the API and the three workers (the command picks the process).

# --- build: compile TypeScript with the dev dependencies ----------------------------------------
FROM node:20.19-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY activities ./activities
COPY api ./api
COPY config ./config
COPY domain ./domain
COPY infra ./infra
COPY projections ./projections
COPY scripts ./scripts
COPY stack ./stack
COPY worker ./worker
COPY workflows ./workflows
RUN npm run build

# --- deps: production dependencies only ---------------------------------------------------------
FROM node:20.19-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
# Install scripts stay off; the one this project needs, its patches of dependencies, runs by name.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npx patch-package --error-on-fail --error-on-warn && npm cache clean --force

# --- runtime: no compiler, no dev dependencies, not root ----------------------------------------
FROM node:20.19-bookworm-slim
ENV NODE_ENV=production \
    API_HOST=0.0.0.0 \
    OPS_HOST=0.0.0.0
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
# the base image's `node` user, by id so a host can resolve it
USER 1000:1000
# API, and a worker's ops port (/metrics, /health) and Temporal SDK metrics
EXPOSE 3000 9464 9465
STOPSIGNAL SIGTERM
CMD ["node", "dist/api/server.js"]
