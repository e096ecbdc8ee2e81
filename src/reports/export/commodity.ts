/** How the hledger journal names a currency. */

/** An ISO code is a plain symbol; a custom asset ("BTC/8") is quoted, as hledger allows. */
export function commoditySymbol(currency: string): string {
  return /^[A-Z]+$/.test(currency) ? currency : `"${currency}"`;
}
