/**
 * A file read line by line as it streams: memory holds one chunk and one line, never the file.
 * A line longer than MAX_LINE_BYTES, a NUL byte or bytes that are not UTF-8 stop the reading at
 * that line with a clear refusal (a binary file or a runaway line is not a journal).
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { ImportRefused } from './refusal.js';

/** Longer than any line either format writes (a JSON Lines event holds at most 16 KiB of metadata). */
export const MAX_LINE_BYTES = 1 << 20;

export interface NumberedLine {
  number: number;
  text: string;
}

/** The file's lines, numbered from 1, without their line ends. */
export async function* readLines(path: string): AsyncGenerator<NumberedLine> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let number = 0;
  const check = (text: string, at: number): string => {
    if (text.includes('\u0000') || text.includes('\ufffd'))
      throw new ImportRefused(at, 'binary data (a NUL byte or bytes that are not UTF-8): this is not a text file');
    return text;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) {
    pending += decoder.write(chunk as Buffer);
    let end = pending.indexOf('\n');
    while (end >= 0) {
      number += 1;
      const text = pending.slice(0, end).replace(/\r$/, '');
      yield { number, text: check(number === 1 ? text.replace(/^\ufeff/, '') : text, number) };
      pending = pending.slice(end + 1);
      end = pending.indexOf('\n');
    }
    if (Buffer.byteLength(pending) > MAX_LINE_BYTES)
      throw new ImportRefused(
        number + 1,
        `a line longer than ${MAX_LINE_BYTES} bytes: this is not a file Inkwell wrote`,
      );
  }
  pending += decoder.end();
  if (pending !== '') yield { number: number + 1, text: check(pending.replace(/\r$/, ''), number + 1) };
}
