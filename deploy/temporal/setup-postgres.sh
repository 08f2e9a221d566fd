#!/bin/sh
# One-shot job of the production profile, run in the temporalio/admin-tools image before the
# Temporal server starts: creates the databases on the compose PostgreSQL and brings Temporal's
# schemas up to the admin-tools version (keep it equal to the server image's version).
# Safe to rerun on every `up`: `create` skips a database that exists, `setup-schema -v 0.0`
# leaves a database that already has a newer version alone, and `update-schema` applies only
# the versions above the recorded one.
set -eu

host="${POSTGRES_SEEDS:?POSTGRES_SEEDS: the PostgreSQL host}"
port="${DB_PORT:-5432}"
user="${POSTGRES_USER:?POSTGRES_USER: the PostgreSQL user}"
# temporal-sql-tool reads the password from SQL_PASSWORD.
export SQL_PASSWORD="${POSTGRES_PWD:?POSTGRES_PWD: the PostgreSQL password}"
schema=/etc/temporal/schema/postgresql/v12

echo "[setup] waiting for PostgreSQL at $host:$port"
tries=0
until nc -z -w 5 "$host" "$port"; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "[setup] PostgreSQL at $host:$port did not accept connections" >&2
    exit 1
  fi
  sleep 2
done

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$host" -p "$port" -u "$user" "$@"
}

for db in temporal temporal_visibility; do
  case "$db" in
    temporal) dir="$schema/temporal/versioned" ;;
    *) dir="$schema/visibility/versioned" ;;
  esac
  echo "[setup] database $db"
  sql --db "$db" create
  sql --db "$db" setup-schema -v 0.0
  sql --db "$db" update-schema -d "$dir"
done

# The database of Trino's Iceberg JDBC catalog (deploy/trino/etc/catalog/iceberg.properties);
# Trino creates the catalog's two tables in it on first use.
echo "[setup] database iceberg"
sql --db iceberg create

echo "[setup] done"
