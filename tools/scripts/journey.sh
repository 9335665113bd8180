#!/usr/bin/env bash
# The one entry point behind `npm start`, `npm test` and `npm run infra:*`.
# It brings a fresh machine to a working state: Node 24 (project-local when the machine's is older),
# dependencies, the local infrastructure, then runs what was asked.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL="$ROOT/.local"
NODE_VERSION="$(tr -d '[:space:]v' <"$ROOT/.nvmrc")"
NODE_MAJOR="${NODE_VERSION%%.*}"

say() { printf '\033[1m[journey]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[journey] ERROR:\033[0m %s\n' "$*" >&2; exit 1; }

usage() {
  cat <<EOF
Usage: npm <command>        (tools/scripts/journey.sh <command>)

  npm start                 install what is missing, start the local infrastructure and all five services
  npm stop                  stop the five services and the local infrastructure
  npm test                  install what is missing, start the infrastructure, run every test
  npm run setup             only install Node $NODE_MAJOR, the dependencies and the k8s manifests' validators
  npm run infra:up|infra:status|infra:logs   the local Kafka, PostgreSQL and MongoDB-wire server
  npm run infra:down        stop the services npm start started, then the infrastructure
EOF
}

node_ok() { # path-to-node
  [[ -x "$1" ]] || return 1
  local v; v="$("$1" -p 'process.versions.node' 2>/dev/null)" || return 1
  [[ "${v%%.*}" == "$NODE_MAJOR" ]] && printf '%s\n' "$v" | awk -F. '{ exit !($2 >= 9) }'
}

# Put a Node of the pinned major first on PATH: the machine's if it fits, else one installed
# from the npm registry's node-<os>-<arch> package into .local/node.
ensure_node() {
  if node_ok "$(command -v node || true)"; then return 0; fi
  local dir="$LOCAL/node/$NODE_VERSION"
  if ! node_ok "$dir/bin/node"; then
    local arch os
    case "$(uname -m)" in x86_64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) die "no Node package for $(uname -m)" ;; esac
    os="$(uname -s | tr '[:upper:]' '[:lower:]')"
    command -v npm >/dev/null || die "npm is needed once to fetch Node $NODE_VERSION (apt-get install npm)"
    say "installing Node $NODE_VERSION into .local/node (the machine has $(node --version 2>/dev/null || echo none))"
    rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
    npm install --prefix "$dir.tmp" --no-save --no-package-lock --ignore-scripts --loglevel=error \
      "node-$os-$arch@$NODE_VERSION" >/dev/null || die "could not install node-$os-$arch@$NODE_VERSION"
    rm -rf "$dir"; mkdir -p "$dir"
    mv "$dir.tmp/node_modules/node-$os-$arch/bin" "$dir/bin"
    rm -rf "$dir.tmp"
    node_ok "$dir/bin/node" || die "the installed Node does not run"
  fi
  export PATH="$dir/bin:$PATH"
}

# npm ci when node_modules is missing or older than the lock file.
ensure_deps() {
  mkdir -p "$LOCAL"
  local stamp="$ROOT/node_modules/.journey-installed"
  if [[ -f "$stamp" && "$stamp" -nt "$ROOT/package-lock.json" && "$stamp" -nt "$ROOT/package.json" ]]; then return 0; fi
  say "installing dependencies (npm ci)"
  if ! (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error 2>"$LOCAL/npm-ci.log"); then
    # npm ci refuses a lock file that lacks optional platform packages (e.g. @swc/core for macOS) when the
    # registry it was made from did not serve them; npm install installs the same locked versions.
    grep -q 'EUSAGE' "$LOCAL/npm-ci.log" || { cat "$LOCAL/npm-ci.log" >&2; die "npm ci failed"; }
    say "npm ci refused the lock file's optional platform entries; installing the locked versions with npm install"
    (cd "$ROOT" && npm install --no-audit --no-fund --loglevel=error) || die "npm install failed"
  fi
  touch "$stamp"
}

# The browser the page tests drive (playwright-core cannot download one here): Debian's chromium.
ensure_browser() {
  if [[ -n "${CHROMIUM_PATH:-}" ]]; then [[ -x "$CHROMIUM_PATH" ]] || die "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable"; return 0; fi
  command -v chromium >/dev/null && return 0
  [[ $(id -u) -eq 0 ]] || die "the page tests need Chromium: sudo apt-get install -y chromium (or set CHROMIUM_PATH)"
  say "installing Debian's chromium package for the page tests (first run only)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
    || die "could not install chromium with apt-get"
}

nx() { (cd "$ROOT" && NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false node_modules/.bin/nx "$@"); }

cmd="${1:-}"; shift || true
case "$cmd" in
  -h | --help | help | "") usage; [[ -n "$cmd" ]] ;;
  setup)
    ensure_node; ensure_deps
    # kustomize, kubeconform and the schemas the k8s project's test uses (its test target runs this too).
    bash "$ROOT/tools/k8s/ensure-validators.sh"
    say "node $(node --version), dependencies and the Kubernetes manifests' validators installed"
    ;;
  infra)
    exec bash "$ROOT/infra/local/infra.sh" "$@"
    ;;
  start)
    started=$SECONDS
    ensure_node; ensure_deps
    bash "$ROOT/infra/local/infra.sh" up
    nx run-many -t build --output-style=static
    node "$ROOT/tools/scripts/services.mjs" start "$@"
    say "seeding the knowledge base with the shop corpus (213 articles, English and Chinese) if it is empty"
    (cd "$ROOT" && node tools/cli/bin/journey.cjs kb import --if-empty apps/knowledge/corpus/seed-articles.jsonl) ||
      say "the seed corpus could not be imported (see above); the services run"
    say "loading the demo journey (web chat, email, WeChat, partner API, phone)"
    node "$ROOT/tools/scripts/demo-journey.mjs" || say "the demo journey could not be loaded (see above); the services run"
    say "ready in $((SECONDS - started)) s"
    ;;
  stop | down)
    if [[ -f "$ROOT/tools/scripts/services.mjs" ]] && command -v node >/dev/null; then
      ensure_node
      node "$ROOT/tools/scripts/services.mjs" stop || true
    fi
    bash "$ROOT/infra/local/infra.sh" down
    ;;
  test)
    ensure_node; ensure_deps; ensure_browser
    bash "$ROOT/infra/local/infra.sh" up
    exec node "$ROOT/tools/scripts/run-tests.mjs" "$@"
    ;;
  *) usage; die "unknown command: $cmd" ;;
esac
