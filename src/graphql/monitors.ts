/** Balance monitors through GraphQL: create, list, pause, resume, delete; their alerts as a live feed. */
import { GraphQLError } from 'graphql';
import type { COMPARISONS } from '../domain/monitors.js';
import { MAX_MONITORS } from '../domain/limits.js';
import { followPages } from '../ledger/feed.js';
import {
  alertsAfter,
  checkTarget,
  createMonitor,
  createMonitorErrors,
  deleteMonitor,
  listMonitors,
  monitorErrors,
  setMonitorStatus,
  type AlertView,
  type MonitorView,
} from '../subscribers/balance-monitors.js';
import type { Database } from '../store/db.js';
import { builder } from './builder.js';
import { createdByField } from './audit-fields.js';
import { asResult, resultUnion } from './errors.js';
import { badInput } from './bad-input.js';
import { validCode } from './queries.js';
import { mustStream } from './subscriptions.js';
import { resumePoint, withResumePoints } from './resume.js';
import { MetricRef } from './types/account.js';

const ComparisonRef = builder.enumType('MonitorComparison', {
  description: 'How the figure is compared with the amount.',
  values: {
    LT: { value: 'LT', description: 'Below.' },
    LTE: { value: 'LTE', description: 'At or below.' },
    GT: { value: 'GT', description: 'Above.' },
    GTE: { value: 'GTE', description: 'At or above.' },
  } satisfies Record<(typeof COMPARISONS)[number], unknown>,
});

const MonitorStatusRef = builder.enumType('MonitorStatus', {
  description: 'Whether a monitor judges new events.',
  values: {
    ACTIVE: { value: 'ACTIVE', description: 'Judges every new event of its account.' },
    PAUSED: { value: 'PAUSED', description: 'Judges nothing until resumed.' },
  },
});

const MonitorRef = builder.objectRef<MonitorView>('BalanceMonitor').implement({
  description: 'A condition on an account’s figure; an alert is recorded each time a posting flips it.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'Its id.' }),
    account: t.exposeString('account', {
      description: 'The account code; for a category monitor, the category code (see `category`).',
    }),
    category: t.exposeString('category', {
      nullable: true,
      description: 'The category watched (its members in `currency`, summed); null for an account monitor.',
    }),
    currency: t.exposeString('currency', {
      nullable: true,
      description: 'The currency a category monitor sums; null for an account monitor.',
    }),
    metric: t.field({ type: MetricRef, description: 'The figure watched.', resolve: (m) => m.metric }),
    comparison: t.field({ type: ComparisonRef, description: 'The comparison.', resolve: (m) => m.comparison }),
    amount: t.expose('threshold', { type: 'Decimal', description: 'The amount compared with.' }),
    status: t.field({ type: MonitorStatusRef, description: 'ACTIVE or PAUSED.', resolve: (m) => m.status }),
    holds: t.exposeBoolean('holds', { description: 'Whether the condition holds, as of the last event judged.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    createdBy: createdByField(t, 'created'),
  }),
});

const AlertRef = builder.objectRef<AlertView>('BalanceAlert').implement({
  description: 'A monitor’s condition flipped after an event of its account.',
  fields: (t) => ({
    id: t.exposeInt('id', { description: 'Numbered in commit order: resume a feed after the last id seen.' }),
    monitorId: t.exposeString('monitorId', { description: 'The monitor.' }),
    account: t.exposeString('account', {
      description: 'The account code; for a category monitor’s alert, the category code (see `category`).',
    }),
    category: t.exposeString('category', { nullable: true, description: 'A category monitor’s category, or null.' }),
    holds: t.exposeBoolean('holds', { description: 'true: the condition became true; false: it stopped holding.' }),
    figure: t.expose('figure', { type: 'Decimal', description: 'The watched figure after the event.' }),
    eventPosition: t.exposeInt('eventPosition', { description: 'The log position of the event that flipped it.' }),
    effectiveAt: t.expose('effectiveAt', { type: 'DateTime', description: 'The event’s effective time.' }),
    recordedAt: t.expose('recordedAt', { type: 'DateTime', description: 'The event’s recorded time.' }),
  }),
});

const CreateMonitorInput = builder.inputType('CreateBalanceMonitorInput', {
  description: 'A condition such as AVAILABLE LT 100.00.',
  fields: (t) => ({
    account: t.string({ description: 'The account code (exactly one of account and category).' }),
    category: t.string({
      description:
        'A category code (exactly one of account and category): its members in `currency` are summed, nested categories included, with the membership of each event’s time.',
    }),
    currency: t.string({
      description: 'With a category, and only then: the currency summed (sums never mix currencies).',
    }),
    metric: t.field({ type: MetricRef, required: true, description: 'The figure to watch.' }),
    comparison: t.field({ type: ComparisonRef, required: true, description: 'How to compare.' }),
    amount: t.field({
      type: 'Decimal',
      required: true,
      description: 'At the account’s (or the category monitor’s) currency scale at most; may be negative.',
    }),
  }),
});

const MonitorIdInput = builder.inputType('BalanceMonitorIdInput', {
  description: 'The monitor concerned.',
  fields: (t) => ({ id: t.string({ required: true, description: 'Its id.' }) }),
});

const CreateMonitorResult = resultUnion(
  'CreateBalanceMonitorResult',
  MonitorRef,
  createMonitorErrors,
  'The new monitor, or why not.',
);
const MonitorResult = resultUnion('BalanceMonitorResult', MonitorRef, monitorErrors, 'The monitor, or why not.');

const now = () => new Date().toISOString();

/** `first` of balanceMonitors: the list predates paging, so leaving it out still lists up to the old cap. */
function monitorPageSize(first: number | null | undefined): number {
  if (first == null) return MAX_MONITORS;
  if (!Number.isInteger(first) || first < 1 || first > MAX_MONITORS)
    throw badInput(`first must be between 1 and ${MAX_MONITORS}, not ${first}`);
  return first;
}

/** `after` of balanceMonitors: a monitor id (a UUID), checked before it reaches a query. */
function validMonitorId(id: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id))
    throw badInput('after: not a monitor id (the id of the last monitor of the previous page)');
  return id;
}

builder.queryField('balanceMonitors', (t) =>
  t.field({
    type: [MonitorRef],
    authScopes: { read: true },
    description: `Balance monitors (of one account, or all), oldest first: the first \`first\` (1 to ${MAX_MONITORS}, default ${MAX_MONITORS}) after the monitor \`after\`. A full page may have more: ask again after its last id.`,
    args: {
      account: t.arg.string({ description: 'Only this account’s.' }),
      first: t.arg.int({ description: `Monitors at most (1 to ${MAX_MONITORS}; default ${MAX_MONITORS}).` }),
      after: t.arg.string({ description: 'The id of the last monitor of the previous page.' }),
    },
    resolve: (_root, args, ctx) =>
      listMonitors(ctx.ledger.database.db, args.account == null ? null : validCode(args.account, 'account'), {
        afterId: args.after == null ? null : validMonitorId(args.after),
        limit: monitorPageSize(args.first),
      }),
  }),
);

builder.mutationFields((t) => {
  /** A mutation on one monitor, named by id. */
  const onMonitor = (description: string, run: (database: Database, id: string) => Promise<MonitorView>) =>
    t.field({
      type: MonitorResult,
      authScopes: { post: true },
      description,
      args: { input: t.arg({ type: MonitorIdInput, required: true, description: 'The monitor.' }) },
      resolve: (_root, { input }, ctx) => asResult(() => run(ctx.ledger.database, input.id)),
    });
  return {
    createBalanceMonitor: t.field({
      type: CreateMonitorResult,
      authScopes: { post: true },
      description:
        'Watches an account, or a category in one currency: an alert is recorded (and pushed on balanceAlerts) each time a later event flips the condition.',
      args: { input: t.arg({ type: CreateMonitorInput, required: true, description: 'The monitor.' }) },
      resolve: (_root, { input }, ctx) =>
        asResult(() =>
          createMonitor(
            ctx.ledger.database,
            {
              ...checkTarget({
                account: input.account == null ? null : validCode(input.account, 'account'),
                category: input.category == null ? null : validCode(input.category, 'category'),
                currency: input.currency,
              }),
              metric: input.metric,
              comparison: input.comparison,
              threshold: input.amount,
            },
            ctx.command.actor,
            now(),
            ctx.perKeyLimit,
          ),
        ),
    }),
    pauseBalanceMonitor: onMonitor(
      'Stops judging events until resumed (pausing a paused monitor changes nothing).',
      (database, id) => setMonitorStatus(database, id, 'PAUSED', now()),
    ),
    resumeBalanceMonitor: onMonitor(
      'Judges events again, from now on, starting from the condition as it stands now.',
      (database, id) => setMonitorStatus(database, id, 'ACTIVE', now()),
    ),
    deleteBalanceMonitor: onMonitor('Deletes a monitor; its alerts stay.', deleteMonitor),
  };
});

builder.subscriptionField('balanceAlerts', (t) =>
  t.field({
    type: AlertRef,
    authScopes: { read: true },
    description:
      'Every alert after `afterId` (default 0: from the first), then each new one as it is recorded. Resume after the last id seen.',
    args: {
      afterId: t.arg.int({ description: 'The last alert id already seen (0: none).' }),
      monitorId: t.arg.string({ description: 'Only this monitor’s alerts.' }),
    },
    subscribe: (_root, args, ctx) => {
      mustStream(ctx);
      let after = resumePoint(ctx, args.afterId, 'afterId');
      if (!ctx.subscribers)
        throw new GraphQLError('this server runs no balance monitors', { extensions: { code: 'BAD_REQUEST' } });
      const alerts = followPages(
        ctx.subscribers.commits,
        { pollMs: ctx.feedPollMs, signal: ctx.signal },
        async (limit) => {
          const page = await alertsAfter(ctx.ledger.database.db, after, limit, args.monitorId ?? null);
          after = page[page.length - 1]?.id ?? after;
          return page;
        },
      );
      return withResumePoints(ctx, alerts, (alert) => alert.id);
    },
    resolve: (alert) => alert,
  }),
);
