import { queryRows } from './trino';

/**
 * A CDP-like customer table in Trino's memory catalog built from TPC-H: every `customer` of
 * `schema` (sf1: 150,000) with its market segment, nation, account balance, and per-customer
 * order count, total and average spend and days since the last order (customers without
 * orders: 0 orders, 0 spend, 3000 days).
 */
export async function buildTpchCustomers(target: string, schema = 'sf1'): Promise<number> {
  await queryRows(`DROP TABLE IF EXISTS ${target}`);
  await queryRows(`CREATE TABLE ${target} AS
    SELECT c.custkey, c.name, c.mktsegment, n.name AS nation, c.acctbal,
           count(o.orderkey) AS order_count,
           coalesce(sum(o.totalprice), 0) AS total_spend,
           coalesce(avg(o.totalprice), 0) AS avg_spend,
           coalesce(date_diff('day', max(o.orderdate), DATE '1998-08-03'), 3000) AS days_since_last_order
    FROM tpch.${schema}.customer c
    JOIN tpch.${schema}.nation n ON n.nationkey = c.nationkey
    LEFT JOIN tpch.${schema}.orders o ON o.custkey = c.custkey
    GROUP BY c.custkey, c.name, c.mktsegment, n.name, c.acctbal`);
  const [[count]] = await queryRows(`SELECT count(*) FROM ${target}`);
  return Number(count);
}

/** custkey -> segment of a written segment table. */
export async function segmentsByCustkey(table: string): Promise<Map<string, number>> {
  const rows = await queryRows(`SELECT CAST(custkey AS varchar), segment FROM ${table}`);
  return new Map(rows.map(([id, seg]) => [String(id), Number(seg)]));
}
