/**
 * Expected failures as data: the `Error` interface, one object type per domain error — derived
 * from the shape each error declares beside itself (domain/errors.ts) — and the result unions of
 * the mutations, built from the error lists their commands export.
 */
import type { ObjectRef } from '@pothos/core';
import {
  LEDGER_ERRORS,
  LedgerError,
  type BalanceConditionView,
  type CurrencyImbalance,
  type ErrorClass,
  type ErrorField,
} from '../domain/errors.js';
import type { BalanceMetric } from '../domain/conditions.js';
import { builder, type InkwellTypes } from './builder.js';
import { BalanceConditionRef, BalanceMetricRef } from './conditions.js';

/**
 * A LedgerError as data. graphql-js treats an Error *returned* by a resolver as thrown,
 * so the union members are plain copies that carry their own type name.
 */
export type ErrorData = { __typename: string; message: string; code: string } & Record<string, unknown>;

export const ErrorRef = builder.interfaceRef<ErrorData>('Error').implement({
  description: 'An expected failure: nothing was written. `code` is stable; `message` is for people.',
  fields: (t) => ({
    message: t.string({ description: 'What went wrong, in a sentence.', resolve: (e) => e.message }),
    code: t.string({ description: 'A stable machine-readable code, e.g. INSUFFICIENT_FUNDS.', resolve: (e) => e.code }),
  }),
});

const CurrencyImbalanceRef = builder.objectRef<CurrencyImbalance>('CurrencyImbalance').implement({
  description: 'The debit and credit totals of one currency that do not match.',
  fields: (t) => ({
    currency: t.exposeString('currency', { description: 'The currency whose legs do not balance.' }),
    debit: t.expose('debit', { type: 'Decimal', description: 'Total of the debit legs.' }),
    credit: t.expose('credit', { type: 'Decimal', description: 'Total of the credit legs.' }),
  }),
});

type ErrorFieldBuilder = PothosSchemaTypes.ObjectFieldBuilder<InkwellTypes, ErrorData>;

/** One declared field as a GraphQL field of its type. */
function errorField(t: ErrorFieldBuilder, name: string, field: ErrorField) {
  const { description } = field;
  const read = (e: ErrorData) => e[field.from ?? name];
  switch (field.type) {
    case 'String':
      return t.string({ description, resolve: (e) => String(read(e)) });
    case 'Int':
      return t.int({ description, resolve: (e) => Number(read(e)) });
    case 'Decimal':
    case 'DateTime':
      return t.field({ type: field.type, description, resolve: (e) => String(read(e)) });
    case '[CurrencyImbalance]':
      return t.field({ type: [CurrencyImbalanceRef], description, resolve: (e) => read(e) as CurrencyImbalance[] });
    case 'BalanceCondition':
      return t.field({ type: BalanceConditionRef, description, resolve: (e) => read(e) as BalanceConditionView });
    case 'BalanceMetric':
      return t.field({ type: BalanceMetricRef, description, resolve: (e) => read(e) as BalanceMetric });
  }
}

/** Each error's GraphQL type, and each class's type name, from the one registry. */
const typeOf = new Map<ErrorClass, ObjectRef<InkwellTypes, ErrorData>>();
const nameOf = new Map<ErrorClass, string>();
for (const [name, cls] of Object.entries(LEDGER_ERRORS)) {
  nameOf.set(cls, name);
  typeOf.set(
    cls,
    builder.objectRef<ErrorData>(name).implement({
      description: cls.shape.description,
      interfaces: [ErrorRef],
      isTypeOf: (value) => (value as ErrorData).__typename === name,
      fields: (t) =>
        Object.fromEntries(
          Object.entries(cls.shape.fields).map(([field, spec]) => [field, errorField(t, field, spec)]),
        ),
    }),
  );
}

/**
 * A mutation's result union: its success type plus the errors its command exports. The resolver
 * returns the success value or, through `asResult`, the error as data.
 */
export function resultUnion<T extends object>(
  name: string,
  success: ObjectRef<InkwellTypes, T>,
  errors: readonly ErrorClass[],
  description: string,
  /** Other answers, told apart by their own `__typename` (a dry run's). */
  others: ReadonlyArray<ObjectRef<InkwellTypes, { __typename: string }>> = [],
) {
  return builder.unionType(name, {
    description,
    types: [success, ...others, ...errors.map((cls) => typeOf.get(cls)!)],
    resolveType: (value) => ('__typename' in value ? (value as ErrorData).__typename : success.name),
  });
}

/** A LedgerError as the union member it stands for. */
export function errorData(error: LedgerError): ErrorData {
  const name = nameOf.get(error.constructor as ErrorClass);
  if (name === undefined) throw new Error(`invariant: ${error.constructor.name} is not in LEDGER_ERRORS`);
  return { ...error, __typename: name, message: error.message, code: error.code };
}

/** Runs a command; an expected failure becomes the matching union member, anything else is thrown (and masked). */
export async function asResult<T>(run: () => Promise<T>): Promise<T | ErrorData> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof LedgerError) return errorData(error);
    throw error;
  }
}
