/**
 * The Docker deployment without a Docker engine: `docker-compose config -q` accepts the compose
 * file, and its resolved form (anchors merged, variables substituted) has the structure the
 * production profile promises: every long-running service has a healthcheck and waits for what
 * it needs to be healthy (or, for the one-shot setup jobs, done); the worker runs as a non-root
 * user; images are pinned releases. The Dockerfile is multi-stage, pinned and non-root, and
 * .dockerignore admits only what it copies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(__dirname, '../..');

interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  user?: string;
  restart?: string;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition?: string }> | string[];
  environment?: Record<string, string | null>;
  ports?: (string | { host_ip?: string; published?: string | number; target?: number })[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
}
interface ComposeConfig {
  services: Record<string, Service>;
}

/** `docker-compose config` as JSON: Compose v2 prints it itself; v1 prints YAML, read with its own PyYAML. */
function resolvedConfig(): ComposeConfig {
  try {
    return JSON.parse(execFileSync('docker-compose', ['config', '--format', 'json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as ComposeConfig;
  } catch {
    const yaml = execFileSync('docker-compose', ['config'], { cwd: root, encoding: 'utf8' });
    const json = execFileSync('python3', ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], { input: yaml, encoding: 'utf8' });
    return JSON.parse(json) as ComposeConfig;
  }
}

const config = resolvedConfig();
const services = config.services;
const names = Object.keys(services);
const inProfile = (profile: string) => names.filter((n) => (services[n].profiles ?? []).includes(profile));

function dependsOn(name: string): [string, string | undefined][] {
  const d = services[name].depends_on ?? {};
  return Array.isArray(d) ? d.map((t) => [t, undefined]) : Object.entries(d).map(([t, v]) => [t, v?.condition]);
}

/** Services others wait for with service_completed_successfully: one-shot setup jobs. */
const jobs = new Set(
  names.flatMap((n) =>
    dependsOn(n)
      .filter(([, c]) => c === 'service_completed_successfully')
      .map(([t]) => t),
  ),
);
const longRunning = names.filter((n) => !jobs.has(n));

function closure(name: string, seen = new Set<string>()): Set<string> {
  for (const [t] of dependsOn(name)) {
    if (!seen.has(t)) {
      seen.add(t);
      closure(t, seen);
    }
  }
  return seen;
}

/** A release tag (two or more version numbers; Trino's releases are single numbers) or a digest, never `latest` or a floating major. */
function pinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  if (colon <= slash) return false;
  const [name, tag] = [image.slice(0, colon), image.slice(colon + 1)];
  if (name === 'trinodb/trino') return /^\d{3,}$/.test(tag);
  return /^v?\d+\.\d+(\.\d+)?([.-][A-Za-z0-9.-]+)?$/.test(tag);
}

test('docker-compose accepts docker-compose.yml', () => {
  // Throws (and fails the test) when `docker-compose config -q` exits non-zero.
  execFileSync('docker-compose', ['config', '-q'], { cwd: root, stdio: 'pipe' });
});

test('every service belongs to the production or the dev profile, and each profile starts on its own', () => {
  for (const n of names) {
    const profiles = services[n].profiles ?? [];
    assert.equal(profiles.length, 1, `${n}: profiles ${JSON.stringify(profiles)}`);
    assert.ok(['production', 'dev'].includes(profiles[0]), `${n}: profile ${profiles[0]}`);
    for (const [t] of dependsOn(n)) assert.deepEqual(services[t]?.profiles, profiles, `${n} depends on ${t} of another profile`);
  }
  assert.deepEqual(
    inProfile('production')
      .filter((n) => !jobs.has(n))
      .sort(),
    ['postgresql', 'temporal', 'temporal-ui', 'trino', 'worker'],
  );
  assert.deepEqual(
    inProfile('dev')
      .filter((n) => !jobs.has(n))
      .sort(),
    ['temporal-dev', 'trino-dev', 'worker-dev'],
  );
});

test('the production profile: Temporal server on PostgreSQL with a schema job of the same version, the UI, Trino with an Iceberg JDBC catalog, the worker', () => {
  const image = (n: string) => services[n].image ?? '';
  assert.match(image('postgresql'), /^postgres:16\./);
  assert.match(image('temporal'), /^temporalio\/server:/);
  assert.match(image('temporal-ui'), /^temporalio\/ui:/);
  assert.equal(image('trino'), 'trinodb/trino:476');
  assert.equal(services.temporal.environment?.DB, 'postgres12');
  // The admin-tools' schema files must match the server they set up.
  const version = image('temporal').split(':')[1];
  const setup = [...closure('temporal')].filter((n) => jobs.has(n));
  assert.ok(setup.length > 0, 'no schema job before the Temporal server');
  for (const j of setup) assert.equal(image(j), `temporalio/admin-tools:${version}`, `${j}: not the server's version`);
  // The worker starts after Temporal (through its namespace job), Trino and PostgreSQL.
  for (const needed of ['postgresql', 'temporal', 'trino']) assert.ok(closure('worker').has(needed), `worker does not wait for ${needed}`);
  assert.ok(closure('trino').has('postgresql'), 'trino does not wait for its catalog database');
  const iceberg = readFileSync(resolve(root, 'deploy/trino/etc/catalog/iceberg.properties'), 'utf8');
  assert.match(iceberg, /^connector\.name=iceberg$/m);
  assert.match(iceberg, /^iceberg\.catalog\.type=jdbc$/m);
  assert.match(iceberg, /^iceberg\.jdbc-catalog\.connection-url=jdbc:postgresql:\/\/postgresql:5432\//m);
});

test('every long-running service has a healthcheck and a restart policy; every dependency waits for healthy or completed', () => {
  for (const n of longRunning) {
    const hc = services[n].healthcheck;
    assert.ok(hc && !hc.disable, `${n}: no healthcheck`);
    const cmd = Array.isArray(hc.test) ? hc.test : [String(hc.test)];
    assert.ok(cmd.length > 1 && cmd[0] !== 'NONE', `${n}: healthcheck ${JSON.stringify(hc.test)}`);
    assert.equal(services[n].restart, 'unless-stopped', `${n}: restart ${services[n].restart}`);
  }
  for (const j of jobs) assert.equal(services[j].restart, 'no', `job ${j}: restart ${services[j].restart}`);
  for (const n of names) {
    for (const [t, condition] of dependsOn(n)) {
      assert.equal(condition, jobs.has(t) ? 'service_completed_successfully' : 'service_healthy', `${n} -> ${t}`);
    }
  }
});

test('the workers are built from the Dockerfile and run as a non-root user, with the files root and stage on volumes', () => {
  for (const w of ['worker', 'worker-dev']) {
    const s = services[w];
    assert.ok(s.build, `${w}: not built from the Dockerfile`);
    assert.ok(s.user && !/^(root|0)(:|$)/.test(s.user), `${w}: user ${s.user}`);
    assert.equal(s.environment?.AUTOSEG_FILE_ROOTS, '/data');
    assert.equal(s.environment?.AUTOSEG_STAGE_DIR, '/stage');
    const targets = (s.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target));
    assert.deepEqual(targets.sort(), ['/data', '/stage']);
  }
});

test('images are pinned releases, ports are published on loopback only, and mounted files exist', () => {
  for (const n of names) {
    const s = services[n];
    if (!s.build) assert.ok(s.image && pinned(s.image), `${n}: image ${s.image} is not pinned to a release`);
    for (const p of s.ports ?? []) {
      const hostIp = typeof p === 'string' ? p.split(':')[0] : p.host_ip;
      assert.equal(hostIp, '127.0.0.1', `${n}: port ${JSON.stringify(p)} is published on every interface`);
    }
    for (const v of s.volumes ?? []) {
      const source = typeof v === 'string' ? v.split(':')[0] : v.type === 'bind' ? v.source : undefined;
      if (source?.startsWith('/')) assert.ok(existsSync(source), `${n}: mounted ${source} does not exist`);
    }
  }
  assert.ok(!pinned('postgres:latest') && !pinned('postgres:16') && !pinned('postgres') && pinned('postgres:16.14') && pinned('trinodb/trino:476'));
});

test('the Dockerfile: multi-stage, pinned base, non-root runtime with a healthcheck; .dockerignore admits only what it copies', () => {
  const lines = readFileSync(resolve(root, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const args = new Map<string, string>();
  for (const l of lines) {
    const m = /^ARG (\w+)=(\S+)$/.exec(l);
    if (m) args.set(m[1], m[2]);
  }
  const froms = lines.filter((l) => l.startsWith('FROM '));
  assert.ok(froms.length >= 2, 'single-stage Dockerfile');
  const stages = new Set(froms.map((f) => /\sAS\s+(\S+)$/i.exec(f)?.[1]).filter((s): s is string => s !== undefined));
  for (const f of froms) {
    const ref = f.split(/\s+/)[1].replace(/^\$\{?(\w+)\}?$/, (_m, a: string) => args.get(a) ?? '');
    if (!stages.has(ref)) assert.ok(pinned(ref), `${f}: base image ${ref} is not pinned`);
  }
  const runtime = lines.slice(lines.lastIndexOf(froms[froms.length - 1]));
  const users = runtime.filter((l) => l.startsWith('USER '));
  assert.ok(users.length > 0, 'the runtime stage runs as root');
  assert.ok(!/^USER (root|0)(:|$)/.test(users[users.length - 1]), users[users.length - 1]);
  assert.ok(
    runtime.some((l) => l.startsWith('HEALTHCHECK ')),
    'no HEALTHCHECK in the runtime stage',
  );
  assert.ok(
    runtime.some((l) => /^COPY --from=/.test(l)),
    'the runtime stage copies nothing from the build stages',
  );

  const ignore = readFileSync(resolve(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  assert.equal(ignore[0], '*', '.dockerignore should exclude everything first, then admit what the build copies');
  const admitted = new Set(ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, '')));
  const copied = lines
    .filter((l) => /^COPY /.test(l) && !/--from=/.test(l))
    .flatMap((l) =>
      l
        .split(/\s+/)
        .slice(1, -1)
        .filter((a) => !a.startsWith('--')),
    );
  for (const src of copied) {
    assert.ok(admitted.has(src.replace(/\/$/, '')), `Dockerfile copies ${src}, which .dockerignore excludes`);
    assert.ok(existsSync(resolve(root, src)), `Dockerfile copies ${src}, which does not exist`);
  }
});
