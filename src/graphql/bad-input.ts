/**
 * A client's mistake in an argument, as a GraphQL error with code BAD_USER_INPUT. Mutations
 * answer domain refusals as data (errors.ts); arguments that cannot even be read are this.
 */
import { GraphQLError } from 'graphql';
import { LedgerError } from '../domain/errors.js';

export const badInput = (message: string): GraphQLError =>
  new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/** Runs a domain check of an argument: a rule it breaks is the client's mistake. */
export function asInput<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    return rethrowAsInput(error);
  }
}

/** A LedgerError as the request's BAD_USER_INPUT error; anything else thrown on. */
export function rethrowAsInput(error: unknown): never {
  if (error instanceof LedgerError) throw badInput(error.message);
  throw error;
}
