/**
 * GraphiQL's page (about 9 MB: the editor and its workers are inlined, so that it works offline)
 * rendered once per set of options instead of at every load (about 30 ms of the event loop each), sent
 * with an ETag and `Cache-Control: no-cache` — a browser keeps it and revalidates: a reload is a
 * 304 without a body — and, when the client accepts it, as gzip or brotli bytes compressed once
 * on the thread pool and kept (about 2 MB each), instead of compressing 9 MB at every load.
 * The first load pays once on the event loop for the rendering and the ETag's hash (about 120 ms).
 */
import { createHash } from 'node:crypto';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { Plugin } from 'graphql-yoga';
import { type Coding, compressBody, negotiate } from './compression.js';

type Options = Parameters<typeof renderGraphiQL>[0];

/** Revalidate at every use: the page changes with the server's version and settings, its URL does not. */
export const GRAPHIQL_CACHE_CONTROL = 'no-cache';

/** Whether an If-None-Match header names this entity tag (weak comparison, as for a GET). */
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

export class GraphiQLPage {
  private page: { key: string; html: string; body: Buffer; etag: string } | null = null;
  private readonly encoded = new Map<Coding, Promise<Buffer>>();

  /** yoga's `renderGraphiQL`: the page for these options, rendered again only when they change. */
  readonly render = (options: Options): string => {
    const key = JSON.stringify(options ?? {});
    if (this.page?.key !== key) {
      const html = renderGraphiQL(options);
      const body = Buffer.from(html);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      this.page = { key, html, body, etag };
      this.encoded.clear();
    }
    return this.page.html;
  };

  /** The page's bytes in this coding, compressed at the first request that asks for it. */
  private bytes(coding: Exclude<Coding, 'identity'>, body: Buffer): Promise<Buffer> {
    let found = this.encoded.get(coding);
    if (!found) {
      found = compressBody(coding, body);
      // A failure is not kept: the next load tries again.
      found.catch(() => this.encoded.delete(coding));
      this.encoded.set(coding, found);
    }
    return found;
  }

  /** Gives the rendered page its cache headers, answers a matching If-None-Match with 304, and encodes it. */
  readonly plugin: Plugin = {
    onResponse: async ({ request, response, setResponse, fetchAPI }) => {
      const page = this.page;
      if (!page || request.method !== 'GET' || !response.headers.get('content-type')?.startsWith('text/html')) return;
      const headers: Record<string, string> = {
        etag: page.etag,
        'cache-control': GRAPHIQL_CACHE_CONTROL,
        vary: 'Accept-Encoding',
      };
      if (matches(request.headers.get('if-none-match'), page.etag)) {
        setResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      const coding = negotiate(request.headers.get('accept-encoding') ?? undefined);
      const body = coding === 'identity' ? page.body : await this.bytes(coding, page.body);
      if (coding !== 'identity') headers['content-encoding'] = coding;
      setResponse(
        // A Buffer is a Uint8Array (sent in one write); the DOM typings want an ArrayBuffer-backed one.
        new fetchAPI.Response(body as Uint8Array<ArrayBuffer>, {
          status: 200,
          headers: { ...headers, 'content-type': 'text/html; charset=utf-8', 'content-length': String(body.length) },
        }),
      );
    },
  };
}
