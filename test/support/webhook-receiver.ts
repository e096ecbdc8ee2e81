/**
 * A real webhook receiver on a loopback socket: it verifies every request with the
 * `standardwebhooks` package (a wrong signature fails the test), records what it acknowledged,
 * and answers as the test says — succeed, fail with a status, or never answer (a timeout).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: { type: string; timestamp: string; data: { position: number; type: string; [key: string]: unknown } };
}

/**
 * What to do with the n-th request (from 1): 'ok' (204), 'hang', a status to answer with (and a
 * 5,000-byte body), or a status and body.
 */
export type Behaviour = (n: number, message: Received) => 'ok' | 'hang' | number | { status: number; body: string };

export interface Receiver {
  url: string;
  port: number;
  /** Every request that arrived (verified), acknowledged or not, in arrival order. */
  requests: Received[];
  /** The messages acknowledged with a 2xx, in order. */
  acknowledged: Received[];
  /** Requests whose signature did not verify (must stay empty). */
  unverified: string[];
  behaviour: Behaviour;
  /** How long an 'ok' answer takes (to see whether two requests ever overlap). */
  answerDelayMs: number;
  /** The most requests that were in flight at once (in-order delivery keeps it at 1). */
  maxInFlight: number;
  /** Secrets a request must verify with, each one (after a rotation: the old and the new). */
  secrets: string[];
  /** Waits until `count` messages were acknowledged (or fails after `ms`). */
  waitFor(count: number, ms?: number): Promise<void>;
  /** Stops listening (the receiver is down); `start` listens again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startReceiver(secrets: string[] = [], behaviour: Behaviour = () => 'ok'): Promise<Receiver> {
  let server: Server | null = null;
  const hanging = new Set<ServerResponse>();
  const receiver: Receiver = {
    url: '',
    port: 0,
    requests: [],
    acknowledged: [],
    unverified: [],
    behaviour,
    answerDelayMs: 0,
    maxInFlight: 0,
    secrets,
    async waitFor(count, ms = 20_000) {
      const until = Date.now() + ms;
      while (receiver.acknowledged.length < count) {
        if (Date.now() > until)
          throw new Error(`only ${receiver.acknowledged.length} of ${count} messages acknowledged after ${ms} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      for (const res of hanging) res.destroy();
      hanging.clear();
      const s = server;
      server = null;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()).closeAllConnections());
    },
    async start() {
      server = createServer((req, res) => void handle(req, res));
      await new Promise<void>((resolve) => server!.listen(receiver.port, '127.0.0.1', resolve));
      receiver.port = (server.address() as AddressInfo).port;
      receiver.url = `http://127.0.0.1:${receiver.port}/hook`;
    },
  };

  let inFlight = 0;
  async function handle(req: IncomingMessage, res: ServerResponse) {
    inFlight += 1;
    receiver.maxInFlight = Math.max(receiver.maxInFlight, inFlight);
    res.on('close', () => (inFlight -= 1));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const headers = {
      'webhook-id': String(req.headers['webhook-id']),
      'webhook-timestamp': String(req.headers['webhook-timestamp']),
      'webhook-signature': String(req.headers['webhook-signature']),
    };
    for (const secret of receiver.secrets) {
      try {
        new Webhook(secret).verify(raw, headers);
      } catch (error) {
        receiver.unverified.push(`${headers['webhook-id']}: ${String(error)}`);
        res.writeHead(400).end('bad signature');
        return;
      }
    }
    const message: Received = {
      id: headers['webhook-id'],
      timestamp: headers['webhook-timestamp'],
      signature: headers['webhook-signature'],
      body: JSON.parse(raw),
    };
    receiver.requests.push(message);
    const answer = receiver.behaviour(receiver.requests.length, message);
    if (answer === 'hang') {
      hanging.add(res);
      return;
    }
    if (answer === 'ok') {
      if (receiver.answerDelayMs > 0) await new Promise((r) => setTimeout(r, receiver.answerDelayMs));
      receiver.acknowledged.push(message);
      res.writeHead(204).end();
      return;
    }
    const { status, body } = typeof answer === 'number' ? { status: answer, body: 'x'.repeat(5000) } : answer;
    if (status >= 200 && status < 300) receiver.acknowledged.push(message);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  }

  await receiver.start();
  return receiver;
}
