/** Stream naming: one stream per account, `account:<code>`, and the books' own stream. */
const PREFIX = 'account:';

/** The period lock: PeriodClosed and PeriodReopened. */
export const BOOKS_STREAM = 'books';

export function isAccountStream(streamId: string): boolean {
  return streamId.startsWith(PREFIX);
}

export function accountStream(code: string): string {
  return PREFIX + code;
}

export function accountCodeOf(streamId: string): string {
  if (!streamId.startsWith(PREFIX)) throw new Error(`invariant: "${streamId}" is not an account stream`);
  return streamId.slice(PREFIX.length);
}
