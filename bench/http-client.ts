/**
 * The load generator of the HTTP figures (c), run as a process of its own (bench/http.ts starts
 * it), so autocannon's work never shares the server's event loop. HTTP_MODE=trivial sends
 * `{ __typename }`; HTTP_MODE=transfer sends `transfer` mutations of the bench workload, each
 * with a key of its own. Prints autocannon's result as one JSON line.
 */
import autocannon from 'autocannon';
import { transferPair } from './workload.js';

const { HTTP_URL, HTTP_KEY, HTTP_MODE, HTTP_SECONDS, HTTP_ACCOUNTS, HTTP_LABEL } = process.env;
const headers = { 'content-type': 'application/json', authorization: `Bearer ${HTTP_KEY}` };
const mutation = 'mutation($input: TransferInput!) { transfer(input: $input) { __typename ... on Error { code } } }';
let n = 0;
const request: autocannon.Request =
  HTTP_MODE === 'transfer'
    ? {
        method: 'POST',
        headers,
        setupRequest: (req) => {
          const i = n++;
          const input = {
            idempotencyKey: `${HTTP_LABEL}-http-${i}`,
            ...transferPair(i, Number(HTTP_ACCOUNTS)),
            amount: '1.00',
          };
          return { ...req, body: JSON.stringify({ query: mutation, variables: { input } }) };
        },
      }
    : { method: 'POST', headers, body: JSON.stringify({ query: '{ __typename }' }) };

autocannon(
  { url: HTTP_URL!, connections: 64, duration: Number(HTTP_SECONDS), requests: [request] },
  (error, result) => {
    if (error) throw error;
    console.log(
      JSON.stringify({
        requests: result.requests.average,
        p99: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
      }),
    );
  },
);
