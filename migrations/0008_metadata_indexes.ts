/**
 * Metadata indexes (issue 19, point 2): the paths declared searchable, and the values each index
 * holds. A value is kept with the log positions it held between ([from, to); to null: still
 * holds), so a search pinned to any position reads the metadata as known there. Each index is a
 * checkpointed subscriber (its place in the log is in `subscribers`), per generation.
 */
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const text = dialect === 'sqlite' ? 'text' : sql`text COLLATE "C"`;
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  await db.schema
    .createTable('metadata_indexes')
    .addColumn('target', text, (c) => c.notNull())
    .addColumn('path', text, (c) => c.notNull())
    .addColumn('created_position', big, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('created_by', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('metadata_indexes_pk', ['target', 'path'])
    .execute();
  await db.schema
    .createTable('metadata_values')
    .addColumn('index_name', text, (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('subject', text, (c) => c.notNull())
    .addColumn('value', text, (c) => c.notNull())
    .addColumn('from_position', big, (c) => c.notNull())
    .addColumn('to_position', big)
    .execute();
  // Searches look a value up (then the subjects that held it); the subscriber a subject's current value.
  await db.schema
    .createIndex('metadata_values_by_value')
    .on('metadata_values')
    .columns(['index_name', 'generation', 'value', 'subject', 'from_position'])
    .execute();
  await db.schema
    .createIndex('metadata_values_by_subject')
    .on('metadata_values')
    .columns(['index_name', 'generation', 'subject', 'from_position'])
    .execute();
}
