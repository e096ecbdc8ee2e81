/**
 * INKWELL_READ_DATABASE_URL, INKWELL_REPLICA_WAIT_MS, INKWELL_REPLICA_CONNECT_TIMEOUT_MS and
 * INKWELL_REPLICA_RETRY_MS: defaults, values, and what is refused at start.
 */
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config.js';
import { openDatabase } from '../../src/store/db.js';

describe('read replica settings', () => {
  it('default to no replica, a wait of one second, a connect timeout of one second and a retry after five', () => {
    const config = configFromEnv({});
    expect(config.readDatabaseUrl).toBeNull();
    expect(config.replicaWaitMs).toBe(1000);
    expect(config.replicaConnectTimeoutMs).toBe(1000);
    expect(config.replicaRetryMs).toBe(5000);
  });

  it('take a connect timeout and a retry wait (0: try the replica again at every read)', () => {
    const config = configFromEnv({ INKWELL_REPLICA_CONNECT_TIMEOUT_MS: '250', INKWELL_REPLICA_RETRY_MS: '0' });
    expect(config.replicaConnectTimeoutMs).toBe(250);
    expect(config.replicaRetryMs).toBe(0);
    // No timeout would let a dead replica hang every read: at least 1 ms.
    expect(() => configFromEnv({ INKWELL_REPLICA_CONNECT_TIMEOUT_MS: '0' })).toThrow(
      'INKWELL_REPLICA_CONNECT_TIMEOUT_MS must be at least 1',
    );
    expect(() => configFromEnv({ INKWELL_REPLICA_RETRY_MS: 'soon' })).toThrow(/INKWELL_REPLICA_RETRY_MS/);
  });

  it('take a replica URL and a wait (0: never wait, the primary answers at once)', () => {
    const config = configFromEnv({
      DATABASE_URL: 'postgres://ink@h1:5432,h2:5433/ink',
      INKWELL_READ_DATABASE_URL: 'postgres://ink@h2:5433/ink',
      INKWELL_REPLICA_WAIT_MS: '0',
    });
    expect(config.readDatabaseUrl).toBe('postgres://ink@h2:5433/ink');
    expect(config.replicaWaitMs).toBe(0);
  });

  it('refuse a wait that is not a whole number, a replica of a SQLite file, and a replica URL that is not postgres://', () => {
    expect(() => configFromEnv({ INKWELL_REPLICA_WAIT_MS: '-5' })).toThrow(
      'INKWELL_REPLICA_WAIT_MS must be a whole number, not "-5"',
    );
    expect(() => configFromEnv({ INKWELL_REPLICA_WAIT_MS: '1.5s' })).toThrow(/INKWELL_REPLICA_WAIT_MS/);
    expect(() =>
      openDatabase(configFromEnv({ INKWELL_DB: '/nonexistent/x.db', INKWELL_READ_DATABASE_URL: 'postgres://h/db' })),
    ).toThrow('INKWELL_READ_DATABASE_URL needs DATABASE_URL=postgres://… (a SQLite file has no replicas)');
    expect(() =>
      openDatabase(configFromEnv({ DATABASE_URL: 'postgres://h/db', INKWELL_READ_DATABASE_URL: 'mysql://h/db' })),
    ).toThrow('INKWELL_READ_DATABASE_URL must be a postgres:// URL');
  });
});
