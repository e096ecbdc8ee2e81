/** DATABASE_URL with several hosts, libpq style: parsed here, since pg reads one host only. */
import { describe, expect, it } from 'vitest';
import { parseHosts, redactUrl } from '../../src/store/pg-hosts.js';

describe('parseHosts', () => {
  it('reads each host in order, with its port or 5432, and gives a one-host URL for each', () => {
    const parsed = parseHosts('postgresql://ink:s3cret@10.0.0.1:5433,db2,[::1]:6000/ledger?sslmode=disable');
    expect(parsed.hosts).toEqual([
      { host: '10.0.0.1', port: 5433 },
      { host: 'db2', port: 5432 },
      { host: '::1', port: 6000 },
    ]);
    expect(parsed.hosts.map(parsed.urlFor)).toEqual([
      'postgresql://ink:s3cret@10.0.0.1:5433/ledger?sslmode=disable',
      'postgresql://ink:s3cret@db2:5432/ledger?sslmode=disable',
      'postgresql://ink:s3cret@[::1]:6000/ledger?sslmode=disable',
    ]);
  });

  it('takes an ordinary one-host URL as a list of one', () => {
    const parsed = parseHosts('postgres://inkwell@127.0.0.1:41391/inkwell');
    expect(parsed.hosts).toEqual([{ host: '127.0.0.1', port: 41391 }]);
    expect(parsed.urlFor(parsed.hosts[0]!)).toBe('postgres://inkwell@127.0.0.1:41391/inkwell');
  });

  it('refuses what is not a postgres URL, or a host it cannot read', () => {
    expect(() => parseHosts('mysql://a/b')).toThrow(/postgres:\/\/ URL/);
    expect(() => parseHosts('postgres://u@h1:5432,,h2/db')).toThrow(/cannot read the host ""/);
    expect(() => parseHosts('postgres://u@h1:port/db')).toThrow(/cannot read the host "h1:port"/);
  });
});

describe('redactUrl', () => {
  it('hides the password, whatever the number of hosts', () => {
    expect(redactUrl('postgres://ink:s3cret@h1:5432,h2:5433/db')).toBe('postgres://ink:***@h1:5432,h2:5433/db');
    expect(redactUrl('postgres://ink@h1/db')).toBe('postgres://ink@h1/db');
    expect(redactUrl('nonsense')).toBe('postgres (unparseable URL)');
  });
});
