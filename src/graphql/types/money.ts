import { builder, type InkwellTypes } from '../builder.js';

export interface MoneyValue {
  amount: string;
  currency: string;
}

export const MoneyRef = builder.objectRef<MoneyValue>('Money').implement({
  description: 'An exact amount in a currency, written at the currency’s scale ("10.50" USD, "1000" JPY).',
  fields: (t) => ({
    amount: t.expose('amount', { type: 'Decimal', description: 'The amount, exact, at the currency’s scale.' }),
    currency: t.exposeString('currency', {
      description: 'An ISO 4217 code ("USD") or a custom asset with its scale ("BTC/8").',
    }),
  }),
});

/** The names of T's properties that hold an amount (a decimal string). */
type AmountKey<T> = { [K in keyof T]: T[K] extends string ? K : never }[keyof T] & string;

/**
 * A Money field of an object whose amounts sit beside one `currency` (report lines and totals):
 * `moneyField(t, 'debit', 'Sum of debit balances.')` answers `{ amount: o.debit, currency: o.currency }`.
 */
export const moneyField = <T extends { currency: string }>(
  t: PothosSchemaTypes.ObjectFieldBuilder<InkwellTypes, T>,
  name: AmountKey<T>,
  description: string,
) => t.field({ type: MoneyRef, description, resolve: (o) => ({ amount: o[name] as string, currency: o.currency }) });

export const DirectionRef = builder.enumType('Direction', {
  description: 'The side of a leg.',
  values: {
    DEBIT: { description: 'Increases ASSET and EXPENSE accounts, decreases the others.' },
    CREDIT: { description: 'Increases LIABILITY, EQUITY and REVENUE accounts, decreases the others.' },
  },
});
