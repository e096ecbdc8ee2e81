/**
 * The accounts an import posts to: found in the ledger (then their currency must be the
 * source's), or opened from the source's plan, effective at or before their first posting.
 * A dry run opens nothing and remembers what it would open.
 */
import { LedgerError } from '../../domain/errors.js';
import type { CommandContext } from '../context.js';
import type { Ledger, PostTransactionInput } from '../ledger.js';
import { getAccounts } from '../queries.js';
import type { AccountPlan, ImportItem } from './model.js';
import { ImportRefused } from './refusal.js';

export class ImportAccounts {
  /** Codes this import opened (or, dry, would open), in order. */
  readonly opened: string[] = [];
  /** Code → currency of every account known to exist in the ledger. */
  private readonly existing = new Map<string, string>();
  private readonly wouldOpen = new Set<string>();

  constructor(
    private readonly ledger: Ledger,
    private readonly plans: Map<string, AccountPlan>,
    private readonly options: { dryRun: boolean; ctx: CommandContext },
  ) {}

  /** Every account the items touch exists (or, dry, would): in item order, so a refusal names the first line at fault. */
  async prepare(items: ImportItem[]): Promise<void> {
    const codes = new Set(
      items.flatMap((i) => [...i.legs.map((l) => l.account), ...i.assertions.map((a) => a.account)]),
    );
    const unknown = [...codes].filter((c) => !this.existing.has(c) && !this.wouldOpen.has(c));
    for (const [code, view] of await getAccounts(this.ledger.database.db, unknown))
      this.existing.set(code, view.currency);
    for (const item of items) {
      for (const leg of item.legs) {
        const currency = this.existing.get(leg.account) ?? (await this.open(leg.account, item.line));
        if (currency !== leg.currency)
          throw new ImportRefused(
            item.line,
            `${leg.account} exists in the ledger in ${currency}; the source posts ${leg.currency} to it`,
          );
      }
    }
  }

  /** The planned accounts no transaction touched, in the plan's order (each opened as the source opened it). */
  async openRest(): Promise<void> {
    const rest = [...this.plans.keys()].filter((c) => !this.existing.has(c) && !this.wouldOpen.has(c));
    const found = await getAccounts(this.ledger.database.db, rest);
    for (const code of rest) {
      if (found.has(code)) continue;
      await this.open(code, 0);
    }
  }

  allExist(inputs: PostTransactionInput[]): boolean {
    return inputs.every((input) => input.entries.every((e) => this.existing.has(e.account)));
  }

  private async open(code: string, line: number): Promise<string> {
    const plan = this.plans.get(code);
    if (!plan) throw new ImportRefused(line, `the source never says how to open ${code}`);
    if (this.wouldOpen.has(code)) return plan.currency;
    this.opened.push(code);
    if (this.options.dryRun) {
      this.wouldOpen.add(code);
      return plan.currency;
    }
    try {
      await this.ledger.openAccount(
        {
          code,
          name: plan.name,
          type: plan.type,
          currency: plan.currency,
          effectiveAt: plan.effectiveAt,
          metadata: plan.metadata ?? null,
          minimumBalance: plan.minimumBalance ?? null,
          maximumBalance: plan.maximumBalance ?? null,
        },
        this.options.ctx,
      );
    } catch (error) {
      if (error instanceof LedgerError)
        throw new ImportRefused(line, `cannot open ${code}: ${error.message} (${error.code})`);
      throw error;
    }
    this.existing.set(code, plan.currency);
    return plan.currency;
  }
}
