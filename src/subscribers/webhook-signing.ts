/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the secret is `whsec_` and
 * 24 random bytes in base64; each message is signed as HMAC-SHA256 over "id.timestamp.body" with
 * the decoded secret, sent as `v1,<base64>`. Several signatures are separated by spaces (a
 * receiver accepts the message when any one verifies): during the grace period after a rotation
 * both the new and the previous secret sign.
 */
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';
/** 192 bits: the spec asks for 24 to 64 bytes. */
const SECRET_BYTES = 24;

export function newWebhookSecret(): string {
  return PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

function sign(secret: string, content: string): string {
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64');
  return `v1,${createHmac('sha256', key).update(content).digest('base64')}`;
}

/** The three headers of one attempt; `timestamp` in whole seconds, as the spec sets. */
export function signedHeaders(
  id: string,
  timestamp: number,
  body: string,
  secrets: readonly string[],
): Record<string, string> {
  const content = `${id}.${timestamp}.${body}`;
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((secret) => sign(secret, content)).join(' '),
  };
}
