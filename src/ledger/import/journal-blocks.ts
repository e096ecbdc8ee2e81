/**
 * A journal's lines grouped into blocks as they stream: a transaction or directive starts at
 * column 0 and takes the indented lines after it; blank lines, top-level comments and
 * `comment … end comment` sections separate blocks and are dropped.
 */
import type { SourceLine } from '../../domain/hledger-journal.js';
import type { NumberedLine } from './lines.js';
import { ImportRefused } from './refusal.js';

const TOP_COMMENT = /^[;#*%|]/;

export async function* journalBlocks(lines: AsyncIterable<NumberedLine>): AsyncGenerator<SourceLine[]> {
  let block: SourceLine[] = [];
  let inComment = false;
  for await (const line of lines) {
    const text = line.text;
    if (inComment) {
      inComment = !/^end\s+comment\s*$/.test(text);
      continue;
    }
    const indented = /^[ \t]/.test(text);
    if (indented && text.trim() !== '') {
      if (block.length > 0) block.push(line);
      else if (!/^[;#]/.test(text.trim()))
        throw new ImportRefused(line.number, 'an indented line outside a transaction or directive');
      continue;
    }
    if (block.length > 0) yield block;
    block = [];
    if (/^comment\s*$/.test(text)) inComment = true;
    else if (text.trim() !== '' && !TOP_COMMENT.test(text)) block = [line];
  }
  if (block.length > 0) yield block;
}
