/** Why an import stopped: the source line at fault, and what to do. */
export class ImportRefused extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}
