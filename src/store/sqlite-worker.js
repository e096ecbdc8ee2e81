// One SQLite connection on a worker thread (see sqlite-threads.ts, which starts it). Plain
// JavaScript on purpose: a worker is a fresh Node.js realm that neither tsx nor vitest transforms.
// Statements arrive as { id, sql, parameters } and run in arrival order on this connection; the
// answer is posted back with the same id. Nothing here decides anything: it only runs SQL.
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

const { file, readonly, busyTimeoutMs, writer } = workerData;
const db = new SQLite(file, { readonly, fileMustExist: readonly });
if (writer && !readonly) {
  db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before the mutation is acknowledged; never trade this for speed.
  db.pragma('synchronous = FULL');
}
db.pragma(`busy_timeout = ${busyTimeoutMs}`);
db.pragma('foreign_keys = ON');
// The first n segments of an account code (PostgreSQL: string_to_array): aggregate balances
// group by it in SQL, so a group's members never cross to the main thread one row each.
db.function('code_head', { deterministic: true }, (code, n) => code.split(':').slice(0, n).join(':'));

// Kysely would prepare every statement anew (a tenth of a transfer's CPU, profiled); a prepared
// statement is reused by its text. Statements with IN lists vary in length: the cache is bounded.
const cache = new Map();
const CACHE_SIZE = 500;
function prepare(sql) {
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value);
    cache.set(sql, statement);
  }
  return statement;
}

// Structured cloning turns a Buffer into a plain Uint8Array, which better-sqlite3 refuses.
const bind = (parameters) =>
  parameters.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p) : p));

// A deferred statement (a write inside a transaction whose result nobody reads) gets no answer:
// the main thread goes on without waiting a round trip for it. Should one fail, that failure is
// the answer to every later statement of the transaction, COMMIT included (which then does not
// run), until the transaction is rolled back: nothing after a failed write can commit.
let failure = null;

function run(message) {
  if (failure && message.op !== 'rollback-if-open') throw failure;
  switch (message.op) {
    case 'pragma':
      return { rows: db.pragma(message.source, { simple: message.simple }) };
    case 'rollback-if-open':
      failure = null;
      if (db.inTransaction) db.exec('ROLLBACK');
      return { rows: [] };
    default: {
      const statement = prepare(message.sql);
      const parameters = bind(message.parameters);
      if (statement.reader) return { rows: statement.all(parameters) };
      const { changes, lastInsertRowid } = statement.run(parameters);
      return { rows: [], changes, lastInsertRowid };
    }
  }
}

parentPort.on('message', (message) => {
  if (message.op === 'close') {
    db.close();
    parentPort.postMessage({ id: message.id, rows: [] });
    parentPort.close();
    return;
  }
  if (message.deferred) {
    try {
      run(message);
    } catch (error) {
      failure ??= error;
    }
    return;
  }
  try {
    parentPort.postMessage({ id: message.id, ...run(message) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: { message: error.message, code: error.code, name: error.name } });
  }
});
