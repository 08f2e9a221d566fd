/**
 * A fault-injecting proxy on 127.0.0.1 in front of the real Trino (TRINO_URL), for tests that
 * cut the connection at a chosen statement. It speaks just enough HTTP to count the requests
 * that start a statement (POST /v1/statement) and to see each answer; cutting means destroying
 * every TCP socket of the client and resetting new ones for `refuseMs`, then accepting again.
 *
 * - cut 'before': the n-th statement is never forwarded (Trino never sees it);
 * - cut 'after': the n-th statement is forwarded and followed until Trino's answer says it is
 *   over (FINISHED or FAILED, or no nextUri); that answer is never delivered: the statement ran,
 *   the client does not know. (Posting alone is not enough: Trino dispatches a statement only
 *   when the client first polls its nextUri.)
 *
 * Bounded: loopback only on both sides, bodies up to 32 MB, and it closes itself after
 * `lifetimeMs` (default 10 min) even if a test forgets to.
 */
import http from 'node:http';
import type { Socket } from 'node:net';

export interface FaultProxy {
  /** The proxy's base URL, to use as the Trino server. */
  readonly url: string;
  /** Statements started (POST /v1/statement) since the last reset. */
  readonly statements: number;
  /** Cuts made so far. */
  readonly cuts: number;
  /** Arms one cut at the n-th statement counted from the last reset (1-based). */
  cutAt(n: number, when: 'before' | 'after'): void;
  /** Counter to zero, any armed cut disarmed. */
  reset(): void;
  close(): Promise<void>;
}

const MAX_BODY = 32 * 1024 * 1024;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function readBody(stream: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) stream.destroy(new Error('body too large for the fault proxy'));
      else chunks.push(c);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function isFinal(body: Buffer): boolean {
  try {
    const page = JSON.parse(body.toString('utf8')) as { nextUri?: string; stats?: { state?: string } };
    return !page.nextUri || page.stats?.state === 'FINISHED' || page.stats?.state === 'FAILED';
  } catch {
    return true;
  }
}

export async function startFaultProxy(options: { target?: string; refuseMs?: number; lifetimeMs?: number } = {}): Promise<FaultProxy> {
  const target = new URL(options.target ?? process.env.TRINO_URL ?? '');
  if (target.protocol !== 'http:' || !LOOPBACK.has(target.hostname)) throw new Error(`the fault proxy only fronts a loopback http Trino, not ${target.origin}`);
  const refuseMs = options.refuseMs ?? 150;
  const sockets = new Set<Socket>();
  const agent = new http.Agent({ keepAlive: false });
  let statements = 0;
  let cuts = 0;
  let refusing = false;
  let armed: { n: number; when: 'before' | 'after' } | undefined;
  let followed: string | undefined; // query id of an 'after' statement being followed
  let origin = '';

  const cut = (): void => {
    armed = undefined;
    followed = undefined;
    cuts++;
    refusing = true;
    for (const s of sockets) s.destroy();
    sockets.clear();
    setTimeout(() => (refusing = false), refuseMs).unref();
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const statement = req.method === 'POST' && (req.url ?? '').split('?')[0] === '/v1/statement';
      let follow = false;
      if (statement) {
        statements++;
        if (armed && armed.n === statements) {
          if (armed.when === 'before') return cut();
          follow = true;
        }
      }
      const headers = { ...req.headers, 'accept-encoding': 'identity' };
      const answer = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (r) => {
          readBody(r).then((b) => resolve({ status: r.statusCode ?? 502, headers: r.headers, body: b }), reject);
        });
        up.on('error', reject);
        up.end(body);
      });
      let out = answer.body;
      if (follow) {
        try {
          followed = (JSON.parse(out.toString('utf8')) as { id?: string }).id;
        } catch {
          followed = undefined;
        }
      }
      if ((follow || (followed && (req.url ?? '').includes(followed))) && isFinal(out)) return cut();
      // Trino builds nextUri from the Host header (ours), but rewrite its own origin just in case.
      if (/json/.test(String(answer.headers['content-type'] ?? ''))) out = Buffer.from(out.toString('utf8').split(target.origin).join(origin));
      const h = { ...answer.headers };
      delete h['content-length'];
      delete h['transfer-encoding'];
      delete h.connection;
      res.writeHead(answer.status, { ...h, 'content-length': String(out.length) });
      res.end(out);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
  });
  server.on('connection', (socket: Socket) => {
    if (refusing) return void socket.destroy();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref(); // never what keeps a test process alive
  const port = (server.address() as { port: number }).port;
  origin = `http://127.0.0.1:${port}`;

  let closed = false;
  const close = (): Promise<void> => {
    if (closed) return Promise.resolve();
    closed = true;
    for (const s of sockets) s.destroy();
    agent.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  setTimeout(() => void close(), options.lifetimeMs ?? 10 * 60_000).unref();

  return {
    url: origin,
    get statements() {
      return statements;
    },
    get cuts() {
      return cuts;
    },
    cutAt(n, when) {
      armed = { n, when };
    },
    reset() {
      statements = 0;
      armed = undefined;
      followed = undefined;
    },
    close,
  };
}
