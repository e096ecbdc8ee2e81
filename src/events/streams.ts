/**
 * Stream naming: one stream per account, `account:<code>`, the books' own stream, and one stream
 * per category, `category:<code>`. Categories get streams of their own (not the books stream):
 * the books' state is its last event alone (ledger/books.ts reads just that one), and a stream
 * per category gives each its own version to check, while every reader that follows account
 * streams already skips what is not one (isAccountStream). Prices get one stream per currency
 * pair, `price:<base>:<quote>` (issue 22): ":" never occurs in a currency code, while "/" does in
 * a custom asset's ("BTC/8"), so the name reads back unambiguously.
 */
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

const CATEGORY_PREFIX = 'category:';

export function isCategoryStream(streamId: string): boolean {
  return streamId.startsWith(CATEGORY_PREFIX);
}

export function categoryStream(code: string): string {
  return CATEGORY_PREFIX + code;
}

export function categoryCodeOf(streamId: string): string {
  if (!streamId.startsWith(CATEGORY_PREFIX)) throw new Error(`invariant: "${streamId}" is not a category stream`);
  return streamId.slice(CATEGORY_PREFIX.length);
}

const PRICE_PREFIX = 'price:';

export function isPriceStream(streamId: string): boolean {
  return streamId.startsWith(PRICE_PREFIX);
}

export function priceStream(base: string, quote: string): string {
  return `${PRICE_PREFIX}${base}:${quote}`;
}
