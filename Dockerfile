# syntax=docker/dockerfile:1
# One image per service, all from this file:
#   docker build --build-arg SERVICE=contacts -t ghcr.io/example/journey-contacts:0.1.0 .
# (channels, contacts, tickets, knowledge, analytics; and console, the agent workspace's web server, which
# holds its pages and its server, no CLI). The build stage is the same for all (Docker
# builds it once); the last stage holds the service's production bundle only (tools/image/bundle.mjs):
# its build, the shared libraries, the journey CLI for Jobs and the production dependencies, no dev
# dependencies, no sources, no npm. It runs as UID/GID 10001 and writes nothing outside /tmp, as the
# Deployments in k8s/ require (read-only root filesystem).
ARG NODE_VERSION=24.21.0

# ---- build: the five services, the workspace and the CLI (and the libraries they use), with the full dependency tree
FROM node:${NODE_VERSION}-trixie-slim AS build
ENV NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false CI=true
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund \
  && npx nx run-many -t build --projects=channels,contacts,tickets,knowledge,analytics,console,cli

# ---- bundle: one service's production files and dependencies (from npm's cache the step above filled)
FROM build AS bundle
ARG SERVICE
RUN --mount=type=cache,target=/root/.npm node tools/image/bundle.mjs "${SERVICE:?--build-arg SERVICE=<service>}" /bundle

# ---- the image
FROM node:${NODE_VERSION}-trixie-slim
ARG SERVICE
LABEL org.opencontainers.image.title="journey-${SERVICE}" \
  org.opencontainers.image.description="Customer-journey platform: ${SERVICE}" \
  org.opencontainers.image.version="0.1.0"
# The service needs node only: npm and corepack leave with their own dependencies.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
  /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
ENV NODE_ENV=production
WORKDIR /app
# Owned by root, read-only for the service's user: nothing it runs can change its own code.
COPY --from=bundle /bundle ./
USER 10001:10001
# The services stop cleanly on SIGTERM (consumers drain, offsets commit); node is PID 1 and handles it.
STOPSIGNAL SIGTERM
CMD ["node", "main.js"]
