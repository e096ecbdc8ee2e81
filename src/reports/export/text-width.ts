/**
 * How many terminal columns a string takes: what aligns a text table, where `.length` (UTF-16
 * units) and tabs do not. Per grapheme: 0 for combining marks and zero-width characters, 2 for
 * East Asian wide and fullwidth characters and emoji, else 1. (Unicode's East Asian Width
 * ranges, the common blocks; no dependency for it — string-width is only a transitive one.)
 */
const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\u200b]+$/u;
const WIDE =
  /[\u1100-\u115f\u231a\u231b\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]|\p{Extended_Pictographic}/u;

export function textWidth(text: string): number {
  let width = 0;
  for (const { segment } of segmenter.segment(text)) {
    if (ZERO_WIDTH.test(segment)) continue;
    width += WIDE.test(segment) ? 2 : 1;
  }
  return width;
}

/** Pads to `width` columns: on the right (text), or on the left (numbers, right-aligned). */
export function pad(text: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - textWidth(text)));
  return right ? fill + text : text + fill;
}
