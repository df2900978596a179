/**
 * The code of the thread that talks to PostgreSQL for one Db (see bridge.ts).
 * Plain CommonJS evaluated by `new Worker(code, { eval: true })`, so it needs
 * no TypeScript loader and is the same from source and in the Electron bundle;
 * `pg` is loaded from the absolute path the main thread resolved.
 *
 * Protocol: the main thread posts one request on the port and sleeps on
 * shared[0]; this thread answers on the port, then sets shared[0] = 1 and
 * wakes it. shared[1] counts the change notices other connections sent
 * (LISTEN on a second connection): the main thread reads it without a round trip.
 */
export const BRIDGE_WORKER_SOURCE = String.raw`
'use strict';
const { workerData } = require('node:worker_threads');
const pg = require(workerData.pgPath);
const shared = new Int32Array(workerData.shared);
const port = workerData.port;
const INT8 = 20, NUMERIC = 1700;
const types = {
  getTypeParser(oid, format) {
    if (oid === INT8 || oid === NUMERIC) return (v) => (v === null ? null : Number(v));
    return pg.types.getTypeParser(oid, format);
  },
};
const config = { connectionString: workerData.url, types, application_name: workerData.applicationName, ...workerData.connection };
let client = null;
let listener = null;
let statementNames = new Map();

function answer(message) {
  port.postMessage(message);
  Atomics.store(shared, 0, 1);
  Atomics.notify(shared, 0);
}

function toBuffers(values) {
  return values.map((v) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v));
}

async function connected() {
  if (client) return client;
  const c = new pg.Client(config);
  c.on('error', () => { if (client === c) { client = null; statementNames = new Map(); } });
  await c.connect();
  for (const sql of workerData.sessionSql) await c.query(sql);
  client = c;
  return c;
}

async function startListening() {
  if (!workerData.listenChannel) return;
  const c = new pg.Client(config);
  c.on('error', () => { listener = null; setTimeout(() => startListening().catch(() => {}), 1000); });
  c.on('notification', (n) => {
    if (n.channel === workerData.listenChannel && n.payload !== workerData.nodeId) Atomics.add(shared, 1, 1);
  });
  await c.connect();
  await c.query('LISTEN ' + workerData.listenChannel);
  listener = c;
  // A notice may have been missed while not listening: count one so caches reload.
  Atomics.add(shared, 1, 1);
}

async function handle(req) {
  if (req.op === 'connect') {
    await connected();
    await startListening();
    return { rows: [], rowCount: 0 };
  }
  if (req.op === 'close') {
    const c = client, l = listener;
    client = null; listener = null;
    await Promise.allSettled([c && c.end(), l && l.end()]);
    return { rows: [], rowCount: 0 };
  }
  const c = await connected();
  if (req.op === 'simple') {
    const results = await c.query(req.sql);
    const last = Array.isArray(results) ? results[results.length - 1] : results;
    return { rows: last.rows ?? [], rowCount: last.rowCount ?? 0 };
  }
  let name = statementNames.get(req.sql);
  if (name === undefined) {
    name = 't' + statementNames.size;
    statementNames.set(req.sql, name);
  }
  const result = await c.query({ name, text: req.sql, values: toBuffers(req.params) });
  return { rows: result.rows, rowCount: result.rowCount ?? 0 };
}

// An error without a SQLSTATE is the connection's own; 08xxx and 57Pxx end the session: start a new one next time.
function connectionGone(err) {
  const code = err && err.code ? String(err.code) : '';
  return code === '' || code.startsWith('08') || code.startsWith('57P');
}

port.on('message', (req) => {
  handle(req).then(answer, (err) => {
    if (client && connectionGone(err)) {
      const c = client;
      client = null;
      statementNames = new Map();
      c.end().catch(() => {});
    }
    answer({ error: { message: String(err && err.message || err), code: err && err.code ? String(err.code) : undefined, lost: client === null } });
  });
});
`;
