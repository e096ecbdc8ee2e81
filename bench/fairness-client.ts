/**
 * A load generator for the fairness figure (g), run as a process of its own so its work never
 * shares the server's event loop. FAIRNESS_MODE=probe sends `{ __typename }` every 20 ms and
 * prints each answer's latency; FAIRNESS_MODE=heavy sends the request in FAIRNESS_BODY (a file)
 * back to back (each with idempotency keys of its own). Both stop after FAIRNESS_SECONDS and print one JSON line.
 */
import { readFileSync } from 'node:fs';

const url = process.env.FAIRNESS_URL!;
const headers = { 'content-type': 'application/json', authorization: `Bearer ${process.env.FAIRNESS_KEY}` };
const until = Date.now() + Number(process.env.FAIRNESS_SECONDS) * 1000;

async function send(body: string): Promise<{ ms: number; ok: boolean; code?: string }> {
  const start = performance.now();
  const response = await fetch(url, { method: 'POST', headers, body });
  const answer = (await response.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
  return {
    ms: performance.now() - start,
    ok: response.ok && !answer.errors,
    code: answer.errors?.[0]?.extensions?.code,
  };
}

if (process.env.FAIRNESS_MODE === 'probe') {
  const latencies: number[] = [];
  const inFlight: Promise<void>[] = [];
  const body = JSON.stringify({ query: '{ __typename }' });
  // On a fixed schedule: a slow answer does not delay the next probe.
  while (Date.now() < until) {
    inFlight.push(send(body).then((r) => void latencies.push(r.ms)));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await Promise.all(inFlight);
  console.log(JSON.stringify({ latencies }));
} else {
  const body = readFileSync(process.env.FAIRNESS_BODY!, 'utf8');
  // Idempotency keys written fair-SERIAL-… are made new for each request, so each one posts.
  const run = `${process.pid}-${Date.now()}`;
  let requests = 0;
  let failed = 0;
  const codes = new Set<string>();
  while (Date.now() < until) {
    const result = await send(body.replaceAll('fair-SERIAL-', `fair-${run}-${requests}-`));
    requests += 1;
    if (!result.ok) {
      failed += 1;
      if (result.code) codes.add(result.code);
    }
  }
  console.log(JSON.stringify({ requests, failed, codes: [...codes] }));
}
