/** The APQ store: least recently used evicted first, bounded in entries and in bytes. */
import { describe, expect, it } from 'vitest';
import { ApqStore } from '../../src/graphql/apq-store.js';

describe('ApqStore', () => {
  it('evicts the least recently used entry past the entry limit', () => {
    const store = new ApqStore({ maxEntries: 2, maxBytes: 1000 });
    store.set('a', '{ a }');
    store.set('b', '{ b }');
    expect(store.get('a')).toBe('{ a }'); // a is now the most recent
    store.set('c', '{ c }');
    expect(store.get('b')).toBeNull();
    expect(store.get('a')).toBe('{ a }');
    expect(store.get('c')).toBe('{ c }');
    expect(store.size).toBe(2);
  });

  it('keeps the total of UTF-8 bytes under the byte limit, and skips a text larger than it', () => {
    const store = new ApqStore({ maxEntries: 100, maxBytes: 10 });
    store.set('a', 'ééé'); // 6 bytes
    store.set('b', 'xxxx'); // 4 bytes: 10 in all
    expect(store.totalBytes).toBe(10);
    store.set('c', 'y');
    expect(store.get('a')).toBeNull();
    expect(store.totalBytes).toBe(5);
    store.set('huge', 'z'.repeat(11));
    expect(store.get('huge')).toBeNull();
    expect(store.get('b')).toBe('xxxx');
  });

  it('replaces an entry without counting it twice, and learns nothing with a limit of 0', () => {
    const store = new ApqStore({ maxEntries: 5, maxBytes: 100 });
    store.set('a', 'abc');
    store.set('a', 'abc');
    expect(store.totalBytes).toBe(3);
    const off = new ApqStore({ maxEntries: 0, maxBytes: 100 });
    off.set('a', 'abc');
    expect(off.get('a')).toBeNull();
  });
});
