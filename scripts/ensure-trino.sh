#!/usr/bin/env bash
# Prints the path of an unpacked Trino server (with the memory and tpch plugins), obtaining
# it once with `mvn dependency:copy` from Maven Central into the cache outside the checkout.
set -euo pipefail
TRINO_VERSION="${TRINO_VERSION:-476}"
cache="${AUTOSEG_CACHE:-$HOME/.cache/autoseg}"
home="$cache/trino-server-$TRINO_VERSION"
log() { echo "[ensure-trino] $*" >&2; }

if [ -f "$home/.complete" ]; then echo "$home"; exit 0; fi
command -v mvn >/dev/null 2>&1 || { log "mvn not found: install Maven (apt-get install maven)"; exit 1; }

dl="$cache/downloads"
mkdir -p "$dl"
for art in "trino-server-core:$TRINO_VERSION:tar.gz" "trino-memory:$TRINO_VERSION:zip" "trino-tpch:$TRINO_VERSION:zip"; do
  name="${art%%:*}-$TRINO_VERSION.${art##*:}"
  if [ ! -s "$dl/$name" ]; then
    log "downloading io.trino:$art from Maven Central (first run only)"
    mvn -q -B dependency:copy -Dartifact="io.trino:$art" -DoutputDirectory="$dl" \
      -Dmaven.repo.local="$cache/m2" >&2
  fi
done

rm -rf "$cache/m2" # Maven's copy of what is now in downloads/

tmp="$home.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
tar -xzf "$dl/trino-server-core-$TRINO_VERSION.tar.gz" -C "$tmp" --strip-components=1
mkdir -p "$tmp/plugin"
for p in memory tpch; do
  rm -rf "$tmp/plugin/$p"; mkdir -p "$tmp/plugin/$p.x"
  (cd "$tmp/plugin/$p.x" && python3 -m zipfile -e "$dl/trino-$p-$TRINO_VERSION.zip" . 2>/dev/null || unzip -q "$dl/trino-$p-$TRINO_VERSION.zip")
  inner=$(find "$tmp/plugin/$p.x" -name '*.jar' -printf '%h\n' | sort -u | head -n1)
  mv "$inner" "$tmp/plugin/$p"; rm -rf "$tmp/plugin/$p.x"
done
touch "$tmp/.complete"
rm -rf "$home"; mv "$tmp" "$home"
echo "$home"
