/**
 * Prices (issue 22, point 1): `prices`, one row per PriceSet event — the pair, the exact rate as
 * text (never a float column), its effective time, recorded time and log position. The price at
 * (asOf, knownAt) is the row with the latest effective_at <= asOf among those recorded by knownAt,
 * the highest position winning a tie; rows are only ever inserted.
 */
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const text = dialect === 'sqlite' ? sql`text` : sql`text COLLATE "C"`;
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  await db.schema
    .createTable('prices')
    .addColumn('position', big, (c) => c.primaryKey())
    .addColumn('base', text, (c) => c.notNull())
    .addColumn('quote', text, (c) => c.notNull())
    .addColumn('rate', text, (c) => c.notNull())
    .addColumn('effective_at', text, (c) => c.notNull())
    .addColumn('recorded_at', text, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  // The lookups: a pair's prices by effective time (then position, for corrections).
  await db.schema
    .createIndex('prices_pair_effective')
    .on('prices')
    .columns(['base', 'quote', 'effective_at', 'position'])
    .execute();
}
