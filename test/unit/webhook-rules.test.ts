/**
 * The pure webhook rules: the retry schedule (exponential, capped, jittered), message ids, the
 * URL's shape, and signatures as the `standardwebhooks` package verifies them.
 */
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { ValidationError, WebhookUrlRefused } from '../../src/domain/errors.js';
import { checkWebhookUrl, messageId, retryDelayMs } from '../../src/domain/webhooks.js';
import { newWebhookSecret, signedHeaders } from '../../src/subscribers/webhook-signing.js';

describe('the retry schedule', () => {
  const backoff = { baseMs: 1000, capMs: 60_000 };

  it('doubles from the base, between half and all of it (jitter), up to the cap', () => {
    for (const [attempts, full] of [
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [6, 32_000],
      [7, 60_000],
      [500, 60_000],
    ] as const) {
      expect(retryDelayMs(attempts, backoff, () => 0)).toBe(full / 2);
      expect(retryDelayMs(attempts, backoff, () => 0.999999)).toBeCloseTo(full, -1);
    }
  });

  it('spreads the retries of many webhooks', () => {
    const waits = new Set(Array.from({ length: 50 }, () => retryDelayMs(4, backoff)));
    expect(waits.size).toBeGreaterThan(10);
    for (const wait of waits) expect(wait >= 4000 && wait <= 8000).toBe(true);
  });
});

describe('message ids', () => {
  it('depend on the webhook and the event only', () => {
    expect(messageId('w1', 42)).toBe(messageId('w1', 42));
    expect(messageId('w1', 42)).not.toBe(messageId('w2', 42));
    expect(messageId('w1', 42)).not.toBe(messageId('w1', 43));
  });
});

describe('webhook URL shapes', () => {
  it('takes absolute http(s) URLs', () => {
    expect(checkWebhookUrl('https://hooks.example.com/x?y=1').hostname).toBe('hooks.example.com');
  });

  it.each(['gopher://x/', 'data:text/plain,hi', 'ws://x/', 'file:///etc/passwd'])('refuses the scheme of %s', (url) => {
    expect(() => checkWebhookUrl(url)).toThrow(WebhookUrlRefused);
  });

  it.each(['', '/relative', 'http://', 'https://u:p@x.example/', `https://x.example/${'a'.repeat(2048)}`])(
    'refuses %s as a ValidationError',
    (url) => {
      expect(() => checkWebhookUrl(url)).toThrow(ValidationError);
    },
  );
});

describe('signatures', () => {
  const body = JSON.stringify({ type: 'AccountOpened', timestamp: '2026-01-01T00:00:00.000Z', data: {} });
  const now = Math.floor(Date.now() / 1000);

  it('verify with the standardwebhooks package, and only with the secret that signed', () => {
    const secret = newWebhookSecret();
    const headers = signedHeaders('msg_1', now, body, [secret]);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });

  it('carry one signature per secret during a rotation, each verifying', () => {
    const [next, previous] = [newWebhookSecret(), newWebhookSecret()];
    const headers = signedHeaders('msg_2', now, body, [next, previous]);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [next, previous]) expect(new Webhook(secret).verify(body, headers)).toBeTruthy();
  });
});
