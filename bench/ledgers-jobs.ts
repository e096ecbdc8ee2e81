/** The work of the ledgers bench (bench/ledgers.ts, ledgers-processes.ts): clients spread over ledgers, batches. */
import type { Ledger } from '../src/ledger/ledger.js';
import { transferPair } from './workload.js';

export type Job = (ledger: Ledger, l: number, i: number, prefix: string) => Promise<unknown>;

/** Transfers per batch (postTransactions). */
export const BATCH = 100;

/** Batch `b` of BATCH transfers of 1.00, keys `${prefix}-${b}-${j}`. */
export function batchInputs(prefix: string, b: number, accounts: number) {
  return Array.from({ length: BATCH }, (_, j) => {
    const { debitAccount, creditAccount } = transferPair(b * BATCH + j, accounts);
    return {
      idempotencyKey: `${prefix}-${b}-${j}`,
      entries: [
        { account: debitAccount, direction: 'DEBIT' as const, amount: '1.00' },
        { account: creditAccount, direction: 'CREDIT' as const, amount: '1.00' },
      ],
    };
  });
}

/**
 * Runs `jobs` jobs split evenly over `ledgers`, `clients` callers split the same way (each awaits
 * its own, at least one per ledger); answers how many ran.
 */
export async function runClients(
  ledgers: Ledger[],
  jobs: number,
  clients: number,
  job: (ledger: Ledger, l: number, i: number) => Promise<unknown>,
): Promise<number> {
  const perLedger = Math.floor(jobs / ledgers.length);
  await Promise.all(
    ledgers.map(async (ledger, l) => {
      let next = 0;
      const client = async () => {
        for (let i = next++; i < perLedger; i = next++) await job(ledger, l, i);
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.floor(clients / ledgers.length)) }, client));
    }),
  );
  return perLedger * ledgers.length;
}
