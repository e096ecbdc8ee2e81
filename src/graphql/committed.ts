/** What every mutation that runs a ledger command answers with: what it names, read after the commit. */
import type DataLoader from 'dataloader';
import type { GraphQLContext } from './builder.js';

/**
 * Runs a command, then loads what it names. The rest of the response must see the commit:
 * "now" moves past it and nothing cached earlier in the request is reused.
 */
export async function committed<T>(
  ctx: GraphQLContext,
  command: Promise<string>,
  loader: DataLoader<string, T | null>,
): Promise<T> {
  const key = await command;
  ctx.now = new Date().toISOString();
  ctx.accounts.clearAll();
  ctx.transactions.clearAll();
  return (await loader.load(key))!;
}
