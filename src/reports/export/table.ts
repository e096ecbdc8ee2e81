/**
 * One shape for every exportable report: a title, a summary, columns, rows streamed in
 * order and a footer. The CSV, JSON Lines, HTML and text writers take only this.
 */
export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

export interface Column {
  key: string;
  label: string;
  /** Right-aligned; in CSV left as written (a number, never prefixed). */
  numeric?: boolean;
}

export interface ReportTable {
  /** e.g. "account-statement": file names and the JSON Lines `report` field. */
  kind: string;
  title: string;
  summary: Array<[string, string]>;
  columns: Column[];
  rows: AsyncIterable<Row>;
  /** Figures after the rows (closing balance, totals); read once the rows are done. */
  footer: () => Array<[string, string]>;
  /** How many rows to expect, for a progress bar; null when unknown. */
  expectedRows: number | null;
  /** The statement's running balance, drawn as a chart in HTML: row columns x (a time) and y (an amount), and the ends. */
  chart?: {
    x: string;
    y: string;
    label: string;
    start: { at: string; value: string };
    end: { at: string; value: string };
    /** Points known up front (daily closing balances) instead of sampling the rows. */
    points?: Array<{ at: string; value: string }>;
  };
}
