/**
 * One delivery attempt over HTTP: resolve and judge the address (webhook-address.ts), connect to
 * that very address, POST the signed body, keep the status and the first bytes of the answer.
 * Never throws: every failure (refused address, DNS, connection, timeout) is an outcome.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { WEBHOOK_RESPONSE_BODY_BYTES } from '../domain/webhooks.js';
import { pinnedLookup, resolveAllowed, type AddressPolicy } from './webhook-address.js';

export interface SendOutcome {
  /** Whether the receiver acknowledged it (a 2xx answer). */
  ok: boolean;
  status: number | null;
  /** The first WEBHOOK_RESPONSE_BODY_BYTES of the answer, as UTF-8. */
  body: string | null;
  /** Why there was no 2xx answer. */
  error: string | null;
}

export interface SendOptions extends AddressPolicy {
  /** The whole attempt, DNS resolution included. */
  timeoutMs: number;
  /** Aborts the attempt (the server stops): its outcome is then not recorded. */
  signal?: AbortSignal;
}

export async function sendWebhook(
  target: string,
  headers: Record<string, string>,
  body: string,
  options: SendOptions,
): Promise<SendOutcome> {
  const url = new URL(target);
  const started = Date.now();
  let addresses: string[];
  try {
    // Judged at each attempt, not only at creation: what a name resolves to changes.
    addresses = await resolveAllowed(url, options, options.timeoutMs);
  } catch (error) {
    return { ok: false, status: null, body: null, error: `address refused: ${(error as Error).message}` };
  }
  const left = Math.max(1, options.timeoutMs - (Date.now() - started));
  return post(url, addresses, headers, body, { timeoutMs: left, signal: options.signal });
}

function post(
  url: URL,
  addresses: readonly string[],
  headers: Record<string, string>,
  body: string,
  { timeoutMs, signal }: { timeoutMs: number; signal?: AbortSignal },
): Promise<SendOutcome> {
  return new Promise((resolve) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      lookup: pinnedLookup(addresses),
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'user-agent': 'Inkwell-Webhooks/1',
      },
    });
    // One deadline for the whole exchange, connection to last byte kept (a socket timeout would
    // only bound each silence, and a slow drip would hold the webhook forever).
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    let settled = false;
    const stop = () => request.destroy(new Error('the server is stopping'));
    const finish = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      resolve(outcome);
    };
    signal?.addEventListener('abort', stop, { once: true });
    request.on('error', (error) => finish({ ok: false, status: null, body: null, error: error.message }));
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let kept = 0;
      const done = () => {
        // A NUL would make PostgreSQL refuse the delivery log row, and so the record of the answer.
        const text = Buffer.concat(chunks)
          .subarray(0, WEBHOOK_RESPONSE_BODY_BYTES)
          .toString('utf8')
          .replaceAll('\u0000', '\ufffd');
        const ok = status >= 200 && status < 300;
        finish({ ok, status, body: text, error: ok ? null : `answered HTTP ${status}` });
      };
      response.on('data', (chunk: Buffer) => {
        if (kept >= WEBHOOK_RESPONSE_BODY_BYTES) return;
        chunks.push(chunk);
        kept += chunk.length;
        // Enough kept: the rest is not read (a huge answer must not cost memory or time).
        if (kept >= WEBHOOK_RESPONSE_BODY_BYTES) {
          response.destroy();
          done();
        }
      });
      response.on('end', done);
      response.on('error', () => done());
    });
    request.end(body);
  });
}
