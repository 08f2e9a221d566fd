#!/usr/bin/env bash
# Prints the path of an unpacked Trino server (with the memory, tpch and iceberg plugins),
# obtaining it once with `mvn dependency:copy` from Maven Central into the cache outside the
# checkout. A cache made before a plugin was added to PLUGINS gets just that plugin added.
set -euo pipefail
TRINO_VERSION="${TRINO_VERSION:-476}"
PLUGINS="memory tpch iceberg"
cache="${AUTOSEG_CACHE:-$HOME/.cache/autoseg}"
home="$cache/trino-server-$TRINO_VERSION"
dl="$cache/downloads"
log() { echo "[ensure-trino] $*" >&2; }

# `.complete` marks the unpacked server; each plugin directory appears whole (renamed into place).
missing_plugins() {
  local p
  for p in $PLUGINS; do [ -d "$home/plugin/$p" ] || echo "$p"; done
}
if [ -f "$home/.complete" ] && [ -z "$(missing_plugins)" ]; then echo "$home"; exit 0; fi
command -v mvn >/dev/null 2>&1 || { log "mvn not found: install Maven (apt-get install maven)"; exit 1; }

fetch() { # fetch ARTIFACT_ID EXT: downloads/ARTIFACT_ID-VERSION.EXT, once
  local name="$1-$TRINO_VERSION.$2"
  if [ ! -s "$dl/$name" ]; then
    log "downloading io.trino:$1:$TRINO_VERSION:$2 from Maven Central (first run only)"
    mvn -q -B dependency:copy -Dartifact="io.trino:$1:$TRINO_VERSION:$2" -DoutputDirectory="$dl" \
      -Dmaven.repo.local="$cache/m2" >&2
  fi
}

# unpack_plugin NAME PLUGIN_DIR: the plugin's jars renamed into PLUGIN_DIR/NAME in one step.
unpack_plugin() {
  local p="$1" dir="$2" x="$2/$1.x.$$" inner
  rm -rf "$x"; mkdir -p "$x"
  (cd "$x" && python3 -m zipfile -e "$dl/trino-$p-$TRINO_VERSION.zip" . 2>/dev/null || unzip -q "$dl/trino-$p-$TRINO_VERSION.zip")
  inner=$(find "$x" -name '*.jar' -printf '%h\n' | sort -u | head -n1)
  # Another run may have added it meanwhile: keep theirs.
  mv -T "$inner" "$dir/$p" 2>/dev/null || [ -d "$dir/$p" ]
  rm -rf "$x"
}

mkdir -p "$dl"
if [ -f "$home/.complete" ]; then
  # An older cache: add the plugins it lacks, leaving the server as it is.
  todo=$(missing_plugins)
  for p in $todo; do fetch "trino-$p" zip; done
  rm -rf "$cache/m2" # Maven's copy of what is now in downloads/
  for p in $todo; do log "adding the $p plugin to $home"; unpack_plugin "$p" "$home/plugin"; done
  echo "$home"
  exit 0
fi

fetch trino-server-core tar.gz
for p in $PLUGINS; do fetch "trino-$p" zip; done
rm -rf "$cache/m2" # Maven's copy of what is now in downloads/

tmp="$home.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
tar -xzf "$dl/trino-server-core-$TRINO_VERSION.tar.gz" -C "$tmp" --strip-components=1
mkdir -p "$tmp/plugin"
for p in $PLUGINS; do unpack_plugin "$p" "$tmp/plugin"; done
touch "$tmp/.complete"
rm -rf "$home"; mv "$tmp" "$home"
echo "$home"
