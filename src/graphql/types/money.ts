import { builder } from '../builder.js';

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

export const DirectionRef = builder.enumType('Direction', {
  description: 'The side of a leg.',
  values: {
    DEBIT: { description: 'Increases ASSET and EXPENSE accounts, decreases the others.' },
    CREDIT: { description: 'Increases LIABILITY, EQUITY and REVENUE accounts, decreases the others.' },
  },
});
