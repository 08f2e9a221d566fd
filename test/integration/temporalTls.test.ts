/**
 * A secured cluster: the Temporal dev server behind a TLS endpoint with a self-signed
 * certificate (made here by openssl; a TLS-terminating proxy, since the dev server speaks plain
 * gRPC). `autoseg run` (the client, grpc-js) and a worker (the SDK's Rust core) reach it through
 * the standard Temporal environment (TEMPORAL_ADDRESS + TEMPORAL_TLS_SERVER_CA_CERT_PATH, read
 * by @temporalio/envconfig); without the CA the certificate is refused; a temporal.toml
 * profile gives the same connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { temporalFromEnv } from '../../src/shared/env';
import { createWorker } from '../../src/worker';
import { runCli } from '../helpers/cli';
import { temporalAddress } from '../helpers/temporal';
import { buildTpchCustomers } from '../helpers/tpch';
import { queryRows, trinoUrl } from '../helpers/trino';

const SOURCE = 'memory.default.tls_customers';
const OUTPUT = 'memory.default.tls_segments';

/** A TLS endpoint (HTTP/2 by ALPN, as gRPC needs) forwarding to the plain dev server. */
async function tlsProxy(key: Buffer, cert: Buffer, upstream: string): Promise<{ port: number; handshakes: () => number; close: () => Promise<void> }> {
  const [host, port] = [upstream.slice(0, upstream.lastIndexOf(':')), Number(upstream.slice(upstream.lastIndexOf(':') + 1))];
  let handshakes = 0;
  const sockets = new Set<Socket>();
  const server = createServer({ key, cert, ALPNProtocols: ['h2'] }, (secure: TLSSocket) => {
    handshakes++;
    const plain = connect(port, host);
    sockets.add(secure).add(plain);
    secure.pipe(plain).pipe(secure);
    const end = () => {
      secure.destroy();
      plain.destroy();
      sockets.delete(secure);
      sockets.delete(plain);
    };
    secure.on('error', end).on('close', end);
    plain.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    handshakes: () => handshakes,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

test(
  'a TLS-secured Temporal with a self-signed CA: a worker and autoseg run connect through the standard environment and a temporal.toml profile; without the CA they are refused',
  { timeout: 600_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'autoseg-tls-'));
    // A self-signed CA and a server certificate it signs (rustls refuses a CA used as the server's own certificate).
    const f = (name: string) => join(dir, name);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f('ca.key'),
      '-out',
      f('ca.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=autoseg test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('key.pem'), '-out', f('server.csr'), '-subj', '/CN=localhost');
    writeFileSync(f('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
    openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('cert.pem'), '-days', '1', '-extfile', f('server.ext'));
    const certFile = f('ca.pem');
    const proxy = await tlsProxy(readFileSync(f('key.pem')), readFileSync(f('cert.pem')), temporalAddress());
    const tlsEnv = { TEMPORAL_ADDRESS: `localhost:${proxy.port}`, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TLS_SERVER_CA_CERT_PATH: certFile };
    const untrusted = { TEMPORAL_ADDRESS: `localhost:${proxy.port}`, TEMPORAL_TLS: 'true' };
    try {
      assert.equal(await buildTpchCustomers(SOURCE, 'tiny'), 1500);
      await queryRows(`DROP TABLE IF EXISTS ${OUTPUT}`);

      // Without the CA the self-signed certificate is refused.
      await assert.rejects(Connection.connect({ ...temporalFromEnv(untrusted).client, connectTimeout: 5_000 }));

      const taskQueue = `tls-${process.pid}-${Date.now()}`;
      const target = temporalFromEnv(tlsEnv);
      assert.ok(target.native.tls, 'TLS configured from the environment');
      const nativeConnection = await NativeConnection.connect(target.native);
      try {
        const worker = await createWorker(nativeConnection, { taskQueue, namespace: target.namespace });
        await worker.runUntil(async () => {
          const env = { ...tlsEnv, AUTOSEG_TASK_QUEUE: taskQueue, TRINO_URL: trinoUrl() };
          const r = await runCli(['run', '--source-table', SOURCE, '--user-id', 'custkey', '--output-table', OUTPUT, '--k-max', '3', '--json'], env);
          assert.equal(r.code, 0, r.stderr);
          assert.equal(JSON.parse(r.stdout).rows, 1500);

          // The same connection from a temporal.toml profile, chosen by --profile.
          const toml = join(dir, 'temporal.toml');
          writeFileSync(toml, `[profile.secure]\naddress = "localhost:${proxy.port}"\nnamespace = "default"\n[profile.secure.tls]\nserver_ca_cert_path = "${certFile}"\n`);
          const runId = JSON.parse(r.stdout).runId as string;
          const status = await runCli(['--profile', 'secure', 'status', runId], { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_ADDRESS: '', TEMPORAL_TLS_SERVER_CA_CERT_PATH: '' });
          assert.equal(status.code, 0, status.stderr);
          assert.match(status.stdout, /COMPLETED/i);
        });
      } finally {
        await nativeConnection.close();
      }
      assert.ok(proxy.handshakes() >= 3, `TLS handshakes: ${proxy.handshakes()}`);
      const [[rows]] = await queryRows(`SELECT count(*) FROM ${OUTPUT}`);
      assert.equal(Number(rows), 1500);
    } finally {
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
      await queryRows(`DROP TABLE IF EXISTS ${SOURCE}`).catch(() => undefined);
      await queryRows(`DROP TABLE IF EXISTS ${OUTPUT}`).catch(() => undefined);
      await queryRows(`DROP TABLE IF EXISTS ${OUTPUT}_model`).catch(() => undefined);
    }
  },
);
