/**
 * The transfers every write figure posts: 2-leg transfers across the bench's accounts with a hot
 * set — four in five touch one of the first 1% of accounts (a settlement or fee account, a busy
 * merchant), the rest pick both sides across all. Deterministic in `i`, so runs compare.
 */
export function transferPair(i: number, accounts: number): { debitAccount: string; creditAccount: string } {
  const hot = Math.max(1, Math.floor(accounts / 100));
  const a = i % 5 === 0 ? (i * 7919) % accounts : (i * 31) % hot;
  const b = (a + 1 + ((i * 104_729) % (accounts - 1))) % accounts;
  return { debitAccount: `assets:a${a}`, creditAccount: `assets:a${b}` };
}
