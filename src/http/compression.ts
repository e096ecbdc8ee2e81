/**
 * Response compression (docs/api.md, "Compression"): a body of at least COMPRESS_MIN_BYTES goes
 * out gzip- or brotli-encoded when the request's Accept-Encoding allows it, through node:zlib's
 * streams, which compress on libuv's thread pool, never on the event loop. A smaller body is sent
 * as it is (encoding it would save little and cost a round of the pool). Server-sent events and
 * other streams are never compressed: a compressor holds bytes back until it has a block, and an
 * event must reach the client when it is written. Every compressible answer says
 * `Vary: Accept-Encoding`, so that caches keep the encodings apart.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

/** Bodies below this many bytes are sent uncompressed. */
export const COMPRESS_MIN_BYTES = 1024;

export type Coding = 'br' | 'gzip' | 'identity';

/** Brotli's quality 5 and gzip's level 6: most of the saving for a fraction of the maximum's time. */
const BROTLI_QUALITY = 5;
const GZIP_LEVEL = 6;

/** Text formats worth compressing; event streams and multipart streams are not among them. */
const COMPRESSIBLE =
  /^(text\/(plain|html|css|csv|javascript)|application\/(json|graphql-response\+json|[a-z.-]+\+json|javascript|xml)|image\/svg\+xml)\s*(;|$)/i;

const Q_VALUE = /^q=(0(\.\d{0,3})?|1(\.0{0,3})?)$/i;

/**
 * The coding to answer with: the acceptable one (q > 0) with the highest q-value among br and
 * gzip (`*` stands for any not named), br on a tie; identity without a header or when neither is
 * acceptable. An entry with a malformed q-value is ignored.
 */
export function negotiate(header: string | string[] | undefined): Coding {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  const q = new Map<string, number>();
  for (const entry of value.split(',')) {
    const [name, ...params] = entry.split(';').map((part) => part.trim());
    if (!name) continue;
    const qParam = params.find((p) => /^q=/i.test(p));
    if (qParam !== undefined && !Q_VALUE.test(qParam)) continue;
    const coding = name.toLowerCase() === 'x-gzip' ? 'gzip' : name.toLowerCase();
    q.set(coding, qParam === undefined ? 1 : Number(qParam.slice(2)));
  }
  const of = (coding: string) => q.get(coding) ?? q.get('*') ?? 0;
  const br = of('br');
  const gzip = of('gzip');
  if (br <= 0 && gzip <= 0) return 'identity';
  return br >= gzip ? 'br' : 'gzip';
}

export function isCompressible(contentType: unknown): boolean {
  return typeof contentType === 'string' && COMPRESSIBLE.test(contentType);
}

/** A streaming compressor for one body. */
export function compressor(coding: Exclude<Coding, 'identity'>, sizeHint?: number): zlib.Gzip | zlib.BrotliCompress {
  if (coding === 'gzip') return zlib.createGzip({ level: GZIP_LEVEL });
  const params: Record<number, number> = { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY };
  if (sizeHint) params[zlib.constants.BROTLI_PARAM_SIZE_HINT] = sizeHint;
  return zlib.createBrotliCompress({ params });
}

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

/** A whole body compressed at once (asynchronously, on the thread pool): for bodies kept to be sent again. */
export function compressBody(coding: Exclude<Coding, 'identity'>, body: Buffer): Promise<Buffer> {
  return coding === 'gzip'
    ? gzip(body, { level: GZIP_LEVEL })
    : brotli(body, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
        },
      });
}

/** Adds Accept-Encoding to a response's Vary header, once. */
export function varyOnEncoding(res: ServerResponse): void {
  const vary = res.getHeader('vary');
  const current = Array.isArray(vary) ? vary.join(', ') : vary === undefined ? '' : String(vary);
  if (/(^|,)\s*(\*|accept-encoding)\s*(,|$)/i.test(current)) return;
  res.setHeader('vary', current ? `${current}, Accept-Encoding` : 'Accept-Encoding');
}

type Plan = 'identity' | 'compress' | 'wait';

/** What to do with a response whose headers are set: send as is, compress, or wait to see its size. */
function plan(req: IncomingMessage, res: ServerResponse, coding: Coding): Plan {
  if (!isCompressible(res.getHeader('content-type'))) return 'identity';
  varyOnEncoding(res);
  const status = res.statusCode;
  if (coding === 'identity' || req.method === 'HEAD' || status < 200 || status === 204 || status === 304)
    return 'identity';
  if (res.getHeader('content-encoding') !== undefined) return 'identity';
  const length = res.getHeader('content-length');
  if (length === undefined) return 'wait';
  return Number(length) >= COMPRESS_MIN_BYTES ? 'compress' : 'identity';
}

type Callback = (error?: Error | null) => void;
type Write = (chunk: unknown, encoding?: BufferEncoding, callback?: Callback) => boolean;
type End = (chunk?: unknown, encoding?: BufferEncoding, callback?: () => void) => ServerResponse;
type WriteHead = (status: number, reason?: string, headers?: OutgoingHttpHeaders) => ServerResponse;

const toBuffer = (chunk: unknown, encoding?: BufferEncoding): Buffer =>
  typeof chunk === 'string' ? Buffer.from(chunk, encoding) : Buffer.from(chunk as Uint8Array);

/** Sets the headers writeHead was given (an object, or a flat list of names and values). */
function applyHeaders(res: ServerResponse, headers: unknown): void {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) res.setHeader(String(headers[i]), headers[i + 1]);
  } else if (headers && typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value);
  }
}

/**
 * Compresses what is written to `res` when the request accepts it and the body turns out large
 * enough. It wraps the response's writeHead, write and end: the headers are held back while the
 * size is unknown (no Content-Length) until COMPRESS_MIN_BYTES are written or the body ends.
 * Install it after the access log's byte counter, which then counts the bytes sent (compressed).
 */
export function compressResponse(req: IncomingMessage, res: ServerResponse): void {
  new ResponseCompressor(req, res, negotiate(req.headers['accept-encoding'])).install();
}

/** One response's compression: its original methods, and what it has decided and held so far. */
class ResponseCompressor {
  private readonly writeHead: WriteHead;
  private readonly write: Write;
  private readonly end: End;
  /** The head is written (or being written): writeHead passes through from now on. */
  private decided = false;
  /** The body so far while its size is unknown; null once decided. */
  private held: Buffer[] | null = null;
  private heldBytes = 0;
  private stream: zlib.Gzip | zlib.BrotliCompress | null = null;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly coding: Coding,
  ) {
    this.writeHead = res.writeHead.bind(res) as WriteHead;
    this.write = res.write.bind(res) as Write;
    this.end = res.end.bind(res) as End;
  }

  install(): void {
    const { res } = this;
    res.writeHead = ((status: number, reason?: unknown, headers?: unknown) =>
      this.onWriteHead(status, reason, headers)) as typeof res.writeHead;
    res.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) =>
      this.onWrite(chunk, encoding, callback)) as typeof res.write;
    res.end = ((chunk?: unknown, encoding?: unknown, callback?: unknown) =>
      this.onEnd(chunk, encoding, callback)) as typeof res.end;
  }

  private onWriteHead(status: number, reason?: unknown, headers?: unknown): ServerResponse {
    // After the decision (Node calls writeHead itself for an implicit head): as it was.
    if (this.decided)
      return this.writeHead(status, reason as string | undefined, headers as OutgoingHttpHeaders | undefined);
    if (typeof reason === 'string') this.res.statusMessage = reason;
    else headers = reason;
    applyHeaders(this.res, headers);
    this.decide(status);
    return this.res;
  }

  private onWrite(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    const cb = (typeof encoding === 'function' ? encoding : callback) as Callback | undefined;
    const enc = typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined;
    if (!this.decided && this.held === null) this.decide(this.res.statusCode);
    if (this.held !== null) {
      this.hold(chunk, enc);
      if (this.heldBytes >= COMPRESS_MIN_BYTES) this.startCompressing();
      if (cb) process.nextTick(cb);
      return true;
    }
    if (this.stream) return this.stream.write(toBuffer(chunk, enc), cb);
    return this.write(chunk, enc, cb);
  }

  private onEnd(chunk?: unknown, encoding?: unknown, callback?: unknown): ServerResponse {
    const cb = [chunk, encoding, callback].find((a) => typeof a === 'function') as (() => void) | undefined;
    let data = typeof chunk === 'function' || chunk === null ? undefined : chunk;
    const enc = typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined;
    if (!this.decided && this.held === null) this.decide(this.res.statusCode);
    if (this.held !== null) {
      if (data !== undefined) this.hold(data, enc);
      data = undefined;
      if (this.heldBytes < COMPRESS_MIN_BYTES) {
        // Small after all: sent as it is, with its length.
        const body = Buffer.concat(this.held);
        this.held = null;
        this.res.setHeader('content-length', body.length);
        this.sendHead();
        return this.end(body, undefined, cb);
      }
      this.startCompressing();
    }
    if (this.stream) {
      if (cb) this.res.once('finish', cb);
      if (data !== undefined) this.stream.end(toBuffer(data, enc));
      else this.stream.end();
      return this.res;
    }
    return this.end(data, enc, cb);
  }

  private hold(chunk: unknown, encoding?: BufferEncoding): void {
    const buffer = toBuffer(chunk, encoding);
    this.held!.push(buffer);
    this.heldBytes += buffer.length;
  }

  private decide(status: number): void {
    this.res.statusCode = status;
    const next = plan(this.req, this.res, this.coding);
    if (next === 'wait') this.held = [];
    else if (next === 'compress') this.startCompressing();
    else this.sendHead();
  }

  private sendHead(): void {
    this.decided = true;
    this.writeHead(this.res.statusCode, this.res.statusMessage || undefined);
  }

  private startCompressing(): void {
    const { res } = this;
    res.setHeader('content-encoding', this.coding);
    res.removeHeader('content-length');
    const z = compressor(this.coding as Exclude<Coding, 'identity'>, this.heldBytes || undefined);
    this.stream = z;
    this.sendHead();
    z.on('data', (chunk: Buffer) => {
      // The socket is full: stop the compressor until it drains.
      if (!this.write(chunk)) {
        z.pause();
        res.once('drain', () => z.resume());
      }
    });
    z.once('end', () => this.end());
    z.once('error', (error) => res.destroy(error));
    // A client gone mid-body: nothing more to compress.
    res.once('close', () => z.destroy());
    // The writer waits for 'drain' when write returned false: the compressor's drain is the one it means.
    z.on('drain', () => res.emit('drain'));
    for (const chunk of this.held ?? []) z.write(chunk);
    this.held = null;
  }
}
