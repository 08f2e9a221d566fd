#!/bin/sh
# One-shot job of the production profile, run in the temporalio/admin-tools image once the
# Temporal server answers: registers the namespace the worker serves (the server image does
# not create one) and waits until the frontend serves it. Safe to rerun.
set -eu

address="${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS: the Temporal frontend host:port}"
namespace="${TEMPORAL_NAMESPACE:-default}"
# How long closed runs (and so `autoseg status` of a finished run) stay visible.
retention="${TEMPORAL_NAMESPACE_RETENTION:-168h}"

# Connect by IPv4 address, as Temporal's own compose samples do (the name may resolve to IPv6 first).
host="${address%:*}"
port="${address##*:}"
ip="$(getent ahostsv4 "$host" | awk 'NR == 1 { print $1 }')"
if [ -n "$ip" ]; then address="$ip:$port"; fi

retry() {
  what="$1"
  shift
  tries=0
  until "$@" >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge 60 ]; then
      echo "[namespace] $what: still failing after 2 minutes" >&2
      "$@"
      exit 1
    fi
    sleep 2
  done
}

echo "[namespace] waiting for the Temporal cluster at $address"
retry "cluster health" temporal operator cluster health --address "$address"

if temporal operator namespace describe --namespace "$namespace" --address "$address" >/dev/null 2>&1; then
  echo "[namespace] $namespace exists"
else
  echo "[namespace] creating $namespace (retention $retention)"
  temporal operator namespace create --namespace "$namespace" --retention "$retention" --address "$address"
fi

# A new namespace reaches the frontend's namespace cache a few seconds later: wait for it, so
# the worker's first polls do not fail with "namespace not found".
retry "listing workflows in $namespace" temporal workflow list --namespace "$namespace" --limit 1 --address "$address"
echo "[namespace] $namespace is served"
