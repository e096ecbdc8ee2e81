/**
 * Every request has a time budget (INKWELL_REQUEST_TIMEOUT_MS). Its execution runs inside the
 * deadline's scope (store/deadline.ts): a read still running when the budget is spent, or when the
 * client disconnects, is abandoned on its reader thread (SQLite) or cancelled on the server
 * (PostgreSQL). A query is answered with a TIMEOUT error at the deadline, whatever its resolvers
 * are still doing. A mutation is not raced: once its command is queued it commits or fails whole,
 * and its answer says which; only the reads before that can time out (nothing written).
 */
import { setMaxListeners } from 'node:events';
import { GraphQLError, Kind, type ASTNode, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { withDeadline } from '../store/deadline.js';

/** The TIMEOUT error a client gets for a read abandoned at its deadline (at a field, when it is one's). */
export const timeoutError = (
  timeoutMs: number,
  at: { nodes?: readonly ASTNode[]; path?: readonly (string | number)[] } = {},
) =>
  new GraphQLError(
    `the request ran past its time budget of ${timeoutMs} ms (or its client went away) and was stopped: ask for less, or page through it`,
    {
      ...at,
      extensions: { code: 'TIMEOUT' },
    },
  );

export const operationOf = (
  document: DocumentNode,
  name: string | null | undefined,
): OperationDefinitionNode | undefined =>
  document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (!name || d.name?.value === name),
  );

export function useDeadline(timeoutMs: number): Plugin {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const request = (args.contextValue as { request?: Request }).request;
      const timer = AbortSignal.timeout(timeoutMs);
      const signal = request?.signal ? AbortSignal.any([timer, request.signal]) : timer;
      // Each read in flight listens on it until it ends: a query fanning out through DataLoader
      // has dozens at once. That is no leak, so no warning past Node's default of 10.
      setMaxListeners(0, signal);
      const isQuery = operationOf(args.document, args.operationName)?.operation === 'query';
      setExecuteFn((executeArgs) => {
        const execution = withDeadline(signal, () => executeFn(executeArgs));
        if (!isQuery) return execution;
        let answer: () => void = () => undefined;
        const expired = new Promise(
          (resolve) => (answer = () => resolve({ data: null, errors: [timeoutError(timeoutMs)] })),
        );
        if (signal.aborted) answer();
        signal.addEventListener('abort', answer, { once: true });
        const done = Promise.resolve(execution).finally(() => signal.removeEventListener('abort', answer));
        return Promise.race([done, expired]) as ReturnType<typeof executeFn>;
      });
    },
  };
}
