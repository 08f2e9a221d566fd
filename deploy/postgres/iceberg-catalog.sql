-- One-shot job of the production profile (psql in the postgres image): the database and the two
-- tables of Trino's Iceberg JDBC catalog (deploy/trino/etc/catalog/iceberg.properties). Trino
-- does not create them (it needs them to exist, see Trino's Iceberg metastore docs); this is
-- Apache Iceberg's JDBC catalog schema, version V1 (the iceberg_type column), the version Trino
-- uses by default (iceberg.jdbc-catalog.schema-version). Safe to rerun.
\set ON_ERROR_STOP on

SELECT 'CREATE DATABASE iceberg'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'iceberg')
\gexec

\connect iceberg

CREATE TABLE IF NOT EXISTS iceberg_tables (
  catalog_name VARCHAR(255) NOT NULL,
  table_namespace VARCHAR(255) NOT NULL,
  table_name VARCHAR(255) NOT NULL,
  metadata_location VARCHAR(1000),
  previous_metadata_location VARCHAR(1000),
  iceberg_type VARCHAR(5),
  PRIMARY KEY (catalog_name, table_namespace, table_name)
);

CREATE TABLE IF NOT EXISTS iceberg_namespace_properties (
  catalog_name VARCHAR(255) NOT NULL,
  namespace VARCHAR(255) NOT NULL,
  property_key VARCHAR(255),
  property_value VARCHAR(1000),
  PRIMARY KEY (catalog_name, namespace, property_key)
);
