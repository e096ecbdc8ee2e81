/**
 * An hledger journal as an import source. Two streamed passes over the file: the first gathers
 * accounts and commodities (accounts must be opened at or before their earliest posting, which
 * an unsorted journal — Inkwell's own export is in log order — shows only at its end); the
 * second turns each transaction into an ImportItem. Memory holds one block, never the file.
 */
import { basename } from 'node:path';
import { JournalSyntaxError, parseBlock, type JournalBlock, type SourceLine } from '../../domain/hledger-journal.js';
import { accountTypeOf, Commodities, type JournalFacts } from './journal-accounts.js';
import { journalBlocks } from './journal-blocks.js';
import { effectiveAtOf, journalItem } from './journal-item.js';
import { readLines } from './lines.js';
import type { AccountPlan, ImportItem, ImportPrice, ImportSource } from './model.js';
import { ImportRefused } from './refusal.js';

/** Each block of the file with its meaning; a syntax error becomes a refusal at its line. */
async function* blocksOf(path: string): AsyncGenerator<{ lines: SourceLine[]; block: JournalBlock }> {
  for await (const lines of journalBlocks(readLines(path))) {
    try {
      yield { lines, block: parseBlock(lines) };
    } catch (error) {
      if (error instanceof JournalSyntaxError) throw new ImportRefused(error.line, error.reason);
      throw error;
    }
  }
}

/** `P DATE BASE AMOUNT`: one BASE is worth AMOUNT, from the start of DATE (UTC). */
function priceOf(block: Extract<JournalBlock, { kind: 'price' }>, facts: JournalFacts): ImportPrice {
  const base = facts.commodities.currencyOf(block.symbol);
  const quote = facts.commodities.currencyOf(block.amount.symbol);
  if (typeof base === 'string') throw new ImportRefused(block.line, base);
  if (typeof quote === 'string') throw new ImportRefused(block.line, quote);
  return {
    kind: 'price',
    line: block.line,
    base: base.code,
    quote: quote.code,
    rate: block.amount.quantity.toString(),
    effectiveAt: effectiveAtOf(block),
  };
}

export function journalSource(path: string): ImportSource {
  const facts: JournalFacts = { commodities: new Commodities(), accounts: new Map() };
  const directives = new Map<string, string | undefined>();
  const notes = new Map<string, number>();

  const firstPass = async () => {
    try {
      for await (const { block } of blocksOf(path)) {
        if (block.kind === 'commodity') facts.commodities.declare(block.amount, block.line);
        if (block.kind === 'account') directives.set(block.account, block.tags.type);
        if (block.kind !== 'transaction') continue;
        const at = effectiveAtOf(block);
        // The amount left out is in the cost's commodity when there is one (hledger balances at cost).
        const costed = block.postings.find((p) => p.cost)?.cost?.amount.symbol;
        const symbols = [
          ...(costed ? [costed] : []),
          ...block.postings.flatMap((p) => (p.amount ? [p.amount.symbol] : [])),
        ];
        for (const posting of block.postings) {
          if (posting.amount) facts.commodities.see(posting.amount);
          const symbol = posting.amount?.symbol ?? symbols[0];
          const known = facts.accounts.get(posting.account);
          if (!known && symbol) facts.accounts.set(posting.account, { symbol, effectiveAt: at });
          else if (known && at < known.effectiveAt) known.effectiveAt = at;
        }
      }
    } catch (error) {
      // The second pass stops at the same line, after posting everything before it, and says why.
      if (!(error instanceof ImportRefused)) throw error;
    }
  };

  return {
    notes,
    assertions: true,
    openUnused: false,
    async plan() {
      await firstPass();
      const plans = new Map<string, AccountPlan>();
      for (const [code, found] of facts.accounts) {
        const type = accountTypeOf(code, directives.get(code));
        const currency = facts.commodities.currencyOf(found.symbol);
        // An account the journal cannot describe is refused at its first posting (second pass).
        if (type.problem !== undefined || typeof currency === 'string') continue;
        plans.set(code, { code, name: code, type: type.type, currency: currency.code, effectiveAt: found.effectiveAt });
      }
      return plans;
    },
    async *items(): AsyncGenerator<ImportItem | ImportPrice> {
      const file = basename(path);
      for await (const { lines, block } of blocksOf(path)) {
        if (block.kind === 'price') yield priceOf(block, facts);
        if (block.kind !== 'transaction') continue;
        yield journalItem(block, lines, file, facts, directives);
      }
    },
  };
}
