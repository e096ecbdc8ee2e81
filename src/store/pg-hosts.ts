/**
 * DATABASE_URL may name several PostgreSQL hosts, libpq style (`postgres://u@h1:5432,h2:5433/db`):
 * the primary and its standbys. Each new connection goes to the first host, in that order, that
 * accepts writes (libpq's target_session_attrs=read-write), so after a failover the pool finds the
 * promoted standby on its own. pg parses one host only: the list is parsed here, and every
 * connection of the pool is a `WritableClient` pointed at the host found.
 */
import pg from 'pg';
import { StorageFault } from './storage-fault.js';

export interface PgHost {
  host: string;
  port: number;
}

export interface PgHosts {
  hosts: PgHost[];
  /** A one-host URL for `host`, with the user, password, database and parameters of the original. */
  urlFor(host: PgHost): string;
}

const URL_PARTS = /^(postgres(?:ql)?:\/\/)(?:([^@/?#]*)@)?([^/?#]*)(.*)$/;

/** The hosts a postgres:// URL names, in order (one for an ordinary URL). */
export function parseHosts(url: string): PgHosts {
  const parts = URL_PARTS.exec(url);
  if (!parts) throw new Error('DATABASE_URL must be a postgres:// URL');
  const [, scheme, userinfo, hostList, rest] = parts as unknown as [string, string, string | undefined, string, string];
  const hosts = hostList.split(',').map((spec) => {
    const found = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(spec);
    if (!found?.[1]) throw new Error(`DATABASE_URL: cannot read the host "${spec}" (host or host:port)`);
    return { host: found[1].replace(/^\[|\]$/g, ''), port: found[2] ? Number(found[2]) : 5432 };
  });
  const at = userinfo === undefined ? '' : `${userinfo}@`;
  const hostPart = (h: PgHost) => `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`;
  return { hosts, urlFor: (h) => `${scheme}${at}${hostPart(h)}${rest}` };
}

/** A connection string without its password, for logs (any number of hosts). */
export function redactUrl(url: string): string {
  const parts = URL_PARTS.exec(url);
  if (!parts) return 'postgres (unparseable URL)';
  const [, scheme, userinfo, hostList, rest] = parts;
  const user = userinfo === undefined ? '' : `${userinfo.includes(':') ? `${userinfo.split(':')[0]}:***` : userinfo}@`;
  return `${scheme}${user}${hostList}${rest}`;
}

const label = (h: PgHost) => `${h.host}:${h.port}`;

/**
 * Which host accepts writes: found by asking each, in order, `pg_is_in_recovery()`; remembered
 * until a connection to it fails or it turns out read-only, then found again.
 */
export class PrimaryFinder {
  private found: Promise<PgHost> | null = null;

  constructor(private readonly hosts: PgHosts) {}

  primary(): Promise<PgHost> {
    if (!this.found) {
      const search = this.search();
      this.found = search;
      search.catch(() => {
        if (this.found === search) this.found = null;
      });
    }
    return this.found;
  }

  /** The host remembered may be gone or read-only: the next connection asks again. */
  forget(): void {
    this.found = null;
  }

  private async search(): Promise<PgHost> {
    const refusals: string[] = [];
    let readOnly = false;
    for (const host of this.hosts.hosts) {
      const client = new pg.Client({ connectionString: this.hosts.urlFor(host), connectionTimeoutMillis: 5000 });
      client.on('error', () => {});
      try {
        await client.connect();
        if (!(await inRecovery(client))) return host;
        readOnly = true;
        refusals.push(`${label(host)} is read-only (a hot standby)`);
      } catch (error) {
        refusals.push(`${label(host)} cannot be reached (${(error as Error).message})`);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    throw new StorageFault(
      readOnly ? 'STORAGE_READ_ONLY' : 'STORAGE_UNAVAILABLE',
      `no host of DATABASE_URL accepts writes: ${refusals.join('; ')}`,
    );
  }
}

async function inRecovery(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ standby: boolean }>('select pg_is_in_recovery() as standby');
  return rows[0]!.standby;
}

/**
 * A pg.Client class for the pool whose every connection goes to the host `finder` names, checked
 * writable on the connection itself (the host remembered may have been rebuilt as a standby since).
 */
export function writableClient(finder: PrimaryFinder): typeof pg.Client {
  return class WritableClient extends pg.Client {
    // pg-pool connects with a callback; a promise when called without one, as pg.Client does.
    override connect(callback?: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): never {
      const connected = this.connectToPrimary();
      if (!callback) return connected as never;
      const answer = callback as (error: Error | null, client?: pg.Client) => void;
      connected.then(
        (client) => answer(null, client),
        (error: Error) => answer(error),
      );
      return undefined as never;
    }

    private async connectToPrimary(): Promise<pg.Client> {
      const target = await finder.primary();
      this.host = target.host;
      this.port = target.port;
      try {
        await super.connect();
      } catch (error) {
        finder.forget();
        throw error;
      }
      if (await inRecovery(this)) {
        finder.forget();
        await this.end().catch(() => undefined);
        throw new StorageFault('STORAGE_READ_ONLY', `${label(target)} is read-only now (a hot standby)`);
      }
      return this;
    }
  };
}
