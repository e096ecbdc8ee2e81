/** INKWELL_CONSUMER_ACK_MS and the rules of consumer names and windows: pure checks. */
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config.js';
import {
  checkAckTimeout,
  checkConsumerName,
  checkPullSize,
  DEFAULT_CONSUMER_ACK_MS,
} from '../../src/domain/consumers.js';
import { ValidationError } from '../../src/domain/errors.js';

describe('INKWELL_CONSUMER_ACK_MS', () => {
  it('defaults to 30 s and takes a value in range', () => {
    expect(configFromEnv({}).consumerAckMs).toBe(DEFAULT_CONSUMER_ACK_MS);
    expect(DEFAULT_CONSUMER_ACK_MS).toBe(30_000);
    expect(configFromEnv({ INKWELL_CONSUMER_ACK_MS: '250' }).consumerAckMs).toBe(250);
  });

  it.each(['99', '3600001', '-5', 'soon'])('refuses %j at start', (value) => {
    expect(() => configFromEnv({ INKWELL_CONSUMER_ACK_MS: value })).toThrow(/INKWELL_CONSUMER_ACK_MS/);
  });
});

describe('consumer rules', () => {
  it.each(['a', 'billing.v1', 'x_9-y', 'z'.repeat(64)])('accepts the name %j', (name) => {
    expect(checkConsumerName(name)).toBe(name);
  });

  it.each(['', 'Billing', '-a', '.a', 'a b', 'z'.repeat(65), 'a/b', 'é', 'a\u0000'])('refuses the name %j', (name) => {
    expect(() => checkConsumerName(name)).toThrow(ValidationError);
  });

  it('bounds the window and the pull size', () => {
    expect(checkAckTimeout(null)).toBeNull();
    expect(checkAckTimeout(100)).toBe(100);
    for (const bad of [99, 3_600_001, 1.5]) expect(() => checkAckTimeout(bad)).toThrow(/ackTimeoutMs/);
    expect(checkPullSize(null, 20)).toBe(20);
    for (const bad of [0, -1, 101, 2.5]) expect(() => checkPullSize(bad, 20)).toThrow(/first/);
  });
});
