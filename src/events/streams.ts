/** Stream naming: one stream per account, `account:<code>`. */
const PREFIX = 'account:';

export function accountStream(code: string): string {
  return PREFIX + code;
}

export function accountCodeOf(streamId: string): string {
  if (!streamId.startsWith(PREFIX)) throw new Error(`invariant: "${streamId}" is not an account stream`);
  return streamId.slice(PREFIX.length);
}
