/** Assembles the schema from every type module. */
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './errors.js';
import './types/account.js';
import './types/entry.js';
import './queries.js';
import './search.js';
import './aggregates.js';
import './mutations.js';
import './execute-batch.js';
import './api-keys.js';
import './reports.js';
import './exports.js';
import './books.js';
import './subscriptions.js';
import './monitors.js';
import './metadata.js';
import './categories.js';
import './prices.js';
import './consumers.js';
import './webhooks.js';
import './ledgers.js';

export const schema = builder.toSchema();

/** The SDL checked in at schema/schema.graphql. */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
