/** Echo user text in an error without letting control characters through or its size grow the answer. */
export function printable(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return shown.replace(/[^\x20-\x7e]/g, '?');
}
