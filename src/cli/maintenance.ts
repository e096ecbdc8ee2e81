/** The CLI's checks and rebuilds: rebuild, verify, events verify, snapshots and subscribers rebuild. */
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { Ledger } from '../ledger/ledger.js';
import { stderrLogger } from '../log.js';
import { rebuildReadModels } from '../projections/rebuild.js';
import { rebuildSnapshots } from '../projections/snapshot-rebuild.js';
import { verifyEvents } from '../reports/event-verification.js';
import { verifyIntegrity } from '../reports/integrity.js';
import { defaultSubscribers } from '../subscribers/defaults.js';
import { existing, migrated, withDatabase } from './database.js';

/** `rebuild [--check]`: recompute the read models; --check compares only (exit 1 when they differ). */
export function rebuild(args: string[], config: Config, ledger: string): Promise<number> {
  const { values } = parseArgs({ args, options: { check: { type: 'boolean', default: false } } });
  // --check compares inside a transaction it rolls back: it needs an existing, migrated database.
  const open = values.check ? existing(config, { readonly: false }, ledger) : migrated(config, ledger);
  return withDatabase(open, async (database) => {
    const report = await rebuildReadModels(database, { apply: !values.check, epochEvery: config.epochEvery });
    for (const difference of report.differences) console.log(difference);
    const replaced = report.applied ? ', read models replaced' : '';
    console.log(`${report.eventsReplayed} events replayed, ${report.differences.length} differences${replaced}`);
    return values.check && report.differences.length > 0 ? 1 : 0;
  });
}

/** `events verify`: decode and validate every stored event; exit 1 naming the first bad one. */
export function verifyAllEvents(config: Config, ledger: string): Promise<number> {
  return withDatabase(existing(config, { readonly: true }, ledger), async (database) => {
    const result = await verifyEvents(database.db);
    for (const [key, count] of Object.entries(result.counts).sort()) console.log(`${key.padEnd(28)} ${count}`);
    if (result.firstBad) {
      const bad = result.firstBad;
      console.log(`FAILED at position ${bad.position} (${bad.type} v${bad.schemaVersion}): ${bad.reason}`);
    }
    console.log(`${result.eventsChecked} events decoded${result.ok ? ', all valid' : ' before the first bad one'}`);
    return result.ok ? 0 : 1;
  });
}

/** `verify`: the hash chain of the whole log, then every event decodes; exit 1 at the first break. */
export function verify(config: Config, ledger: string): Promise<number> {
  return withDatabase(existing(config, { readonly: true }, ledger), async (database) => {
    const chain = await verifyIntegrity(database.db);
    if (!chain.ok) {
      console.log(
        `BROKEN at position ${chain.firstBrokenPosition}: expected hash ${chain.expectedHash}, stored ${chain.actualHash} (${chain.eventsChecked} events before it are intact)`,
      );
      return 1;
    }
    const events = await verifyEvents(database.db);
    console.log(`hash chain intact: ${chain.eventsChecked} events, head ${chain.headHash ?? '(empty log)'}`);
    if (chain.eventsChecked === 0)
      console.log('WARNING: the log is empty; if this is a restored backup, the restore did not bring its events');
    if (!events.ok) {
      console.log(`FAILED at position ${events.firstBad!.position}: ${events.firstBad!.reason}`);
      return 1;
    }
    console.log('every event decodes');
    return 0;
  });
}

/** `snapshots rebuild`: drop every snapshot and take them again from the log. */
export function rebuildAllSnapshots(config: Config, ledger: string): Promise<number> {
  return withDatabase(migrated(config, ledger), async (database) => {
    const result = await rebuildSnapshots(database, config.snapshotEvery);
    console.log(
      `${result.eventsReplayed} events replayed, ${result.snapshots} snapshots taken (every ${config.snapshotEvery} events)`,
    );
    return 0;
  });
}

/** `subscribers rebuild NAME`: the next generation built beside the live one (writes go on), then switched. */
export function rebuildSubscriber(name: string, config: Config, ledger: string): Promise<number> {
  return withDatabase(migrated(config, ledger), async (database) => {
    const runner = defaultSubscribers(new Ledger(database), stderrLogger);
    console.log(`${name}: generation ${await runner.rebuild(name)} is live`);
    return 0;
  });
}
