/**
 * Writes examples/customers.csv: a CDP master-segment table of 5,000 customers drawn from five
 * latent personas, deterministically (seeded Rng), so k-means has real structure to find.
 *
 *   npx tsx examples/generate.ts [out.csv]
 *
 * Personas: loyal high spenders, bargain hunters, lapsed, new web browsers, email-engaged.
 * Also, on purpose: a few % nulls in several columns; `fax_number` ~60% null (dropped by the 25%
 * rule); `source_system` constant; `exclude_internal_flag` (dropped by name); `time` (dropped by
 * default); `email`/`first_name` (identifiers); a long-tail `country`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/segmentation/rng';

const N = 5000;
const rng = new Rng(20260101);

const uniform = (a: number, b: number): number => a + (b - a) * rng.nextFloat();
const normal = (mean: number, sd: number): number => {
  const u = 1 - rng.nextFloat();
  const v = rng.nextFloat();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
};
const pick = <T>(items: readonly T[], weights?: readonly number[]): T => {
  if (!weights) return items[rng.nextInt(items.length)];
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rng.nextFloat() * total;
  for (let i = 0; i < items.length; i++) if ((r -= weights[i]) < 0) return items[i];
  return items[items.length - 1];
};
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
const maybeNull = <T>(value: T, p: number): T | null => (rng.nextFloat() < p ? null : value);

interface Persona {
  readonly name: string;
  readonly share: number;
  readonly spend: [number, number]; // lognormal mean/sd of log(total_spend)
  readonly orders: [number, number];
  readonly recency: [number, number];
  readonly visits: [number, number];
  readonly openRate: [number, number];
  readonly subscribed: number;
  readonly tiers: readonly number[]; // weights for bronze, silver, gold, platinum
  readonly channels: readonly number[]; // web, app, store, email
}

const PERSONAS: readonly Persona[] = [
  { name: 'loyal', share: 0.18, spend: [7.6, 0.35], orders: [24, 6], recency: [12, 8], visits: [14, 4], openRate: [0.45, 0.1], subscribed: 0.9, tiers: [0.02, 0.1, 0.48, 0.4], channels: [0.3, 0.45, 0.2, 0.05] },
  { name: 'bargain', share: 0.26, spend: [5.6, 0.35], orders: [11, 3], recency: [35, 15], visits: [9, 3], openRate: [0.3, 0.1], subscribed: 0.7, tiers: [0.45, 0.45, 0.09, 0.01], channels: [0.6, 0.2, 0.1, 0.1] },
  { name: 'lapsed', share: 0.24, spend: [5.0, 0.5], orders: [3, 1.5], recency: [290, 60], visits: [0.5, 0.7], openRate: [0.04, 0.03], subscribed: 0.25, tiers: [0.8, 0.17, 0.03, 0], channels: [0.35, 0.1, 0.5, 0.05] },
  { name: 'new_browser', share: 0.17, spend: [3.8, 0.5], orders: [1.3, 0.6], recency: [20, 12], visits: [22, 6], openRate: [0.12, 0.06], subscribed: 0.4, tiers: [0.95, 0.05, 0, 0], channels: [0.55, 0.4, 0.03, 0.02] },
  { name: 'email_engaged', share: 0.15, spend: [6.4, 0.35], orders: [8, 2.5], recency: [45, 20], visits: [4, 2], openRate: [0.78, 0.08], subscribed: 0.98, tiers: [0.15, 0.5, 0.3, 0.05], channels: [0.08, 0.05, 0.07, 0.8] },
];

const COUNTRIES = ['US', 'JP', 'GB', 'DE', 'FR'];
const TAIL = ['CA', 'AU', 'BR', 'MX', 'ES', 'IT', 'NL', 'SE', 'KR', 'SG', 'IN', 'NZ', 'IE', 'BE', 'CH', 'PL', 'PT', 'AR', 'ZA', 'NO'];
const FIRST = ['James', 'Mary', 'Hiro', 'Yuki', 'Olivia', 'Liam', 'Emma', 'Noah', 'Sofia', 'Lucas', 'Mia', 'Ken', 'Aiko', 'Ethan', 'Chloe', 'Mateo', 'Anna', 'Leo', 'Nora', 'Ravi'];
const DOMAINS = ['example.com', 'mail.example.net', 'example.org', 'inbox.example.jp'];
const TIERS = ['bronze', 'silver', 'gold', 'platinum'];
const CHANNELS = ['web', 'app', 'store', 'email'];
const NOW = 1_767_225_600; // 2026-01-01T00:00:00Z, the export time

function rfmTier(recency: number, orders: number, spend: number): string {
  const score = (recency < 30 ? 3 : recency < 120 ? 2 : 1) + (orders >= 15 ? 3 : orders >= 5 ? 2 : 1) + (spend >= 1500 ? 3 : spend >= 300 ? 2 : 1);
  return score >= 8 ? 'champions' : score >= 6 ? 'loyal' : score >= 4 ? 'at_risk' : 'hibernating';
}

function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const header = [
  'td_canonical_id', 'email', 'first_name', 'time', 'country', 'gender', 'is_subscribed', 'loyalty_tier',
  'total_spend', 'order_count', 'days_since_last_order', 'avg_order_value', 'web_visits_30d', 'email_open_rate',
  'preferred_channel', 'rfm_tier', 'fax_number', 'source_system', 'exclude_internal_flag',
];
const lines = [header.join(',')];
const usedIds = new Set<string>();
for (let i = 0; i < N; i++) {
  const p = pick(PERSONAS, PERSONAS.map((x) => x.share));
  let id: string;
  do id = Array.from({ length: 4 }, () => rng.nextUint32().toString(16).padStart(8, '0')).join('').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
  while (usedIds.has(id));
  usedIds.add(id);
  const first = pick(FIRST);
  const orders = Math.max(p.name === 'new_browser' ? 0 : 1, Math.round(normal(p.orders[0], p.orders[1])));
  const spend = orders === 0 ? 0 : Math.round(Math.exp(normal(p.spend[0], p.spend[1])) * 100) / 100;
  const recency = Math.round(clamp(normal(p.recency[0], p.recency[1]), 0, 720));
  const row = [
    id,
    `${first.toLowerCase()}.${i}@${pick(DOMAINS)}`,
    first,
    NOW - Math.floor(uniform(0, 86_400 * 3)),
    maybeNull(rng.nextFloat() < 0.85 ? pick(COUNTRIES, [0.45, 0.2, 0.15, 0.1, 0.1]) : pick(TAIL), 0.02),
    maybeNull(pick(['female', 'male', 'other'], [0.49, 0.47, 0.04]), 0.05),
    rng.nextFloat() < p.subscribed ? 1 : 0,
    maybeNull(pick(TIERS, p.tiers), 0.03),
    maybeNull(spend, 0.02),
    orders,
    orders === 0 ? null : maybeNull(recency, 0.03),
    orders === 0 ? null : Math.round((spend / orders) * 100) / 100,
    Math.max(0, Math.round(normal(p.visits[0], p.visits[1]))),
    maybeNull(Math.round(clamp(normal(p.openRate[0], p.openRate[1]), 0, 1) * 1000) / 1000, 0.04),
    pick(CHANNELS, p.channels),
    rfmTier(recency, orders, spend),
    rng.nextFloat() < 0.6 ? null : `+1-555-${String(rng.nextInt(10_000_000)).padStart(7, '0')}`,
    'cdp_master_segment',
    rng.nextFloat() < 0.01 ? 1 : 0,
  ];
  lines.push(row.map(csvField).join(','));
}
const out = process.argv[2] ?? join(__dirname, 'customers.csv');
writeFileSync(out, lines.join('\n') + '\n');
console.log(`wrote ${N} customers to ${out}`);
