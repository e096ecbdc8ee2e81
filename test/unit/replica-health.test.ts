/** The read replica's breaker: skipped for a while after a failure, one read tries it again, one change told per outage. */
import { describe, expect, it } from 'vitest';
import { type ReplicaChange, ReplicaHealth } from '../../src/store/replica-health.js';

function breaker(retryMs = 5000) {
  let now = 1_000_000;
  const health = new ReplicaHealth(retryMs, () => now);
  const changes: ReplicaChange[] = [];
  health.onChange((change) => changes.push(change));
  const advance = (ms: number) => {
    now += ms;
  };
  return { health, changes, advance, now: () => now };
}

describe('ReplicaHealth', () => {
  it('tries the replica while it is up, for every read', () => {
    const { health, changes } = breaker();
    expect([health.tryReplica(), health.tryReplica(), health.tryReplica()]).toEqual([true, true, true]);
    health.answered();
    expect(health.state()).toEqual({ available: true });
    expect(changes).toEqual([]);
  });

  it('after a failure skips it until the wait is over, then lets exactly one read try', () => {
    const { health, advance, now } = breaker(5000);
    const down = now();
    health.failed('connect ECONNREFUSED 127.0.0.1:5433');
    expect(health.state()).toEqual({ available: false, since: down, reason: 'connect ECONNREFUSED 127.0.0.1:5433' });
    expect(health.tryReplica()).toBe(false);
    advance(4999);
    expect(health.tryReplica()).toBe(false);
    advance(1);
    // The first read after the wait tries; the ones beside it stay on the primary.
    expect(health.tryReplica()).toBe(true);
    expect(health.tryReplica()).toBe(false);
    expect(health.state().available).toBe(false);
  });

  it('a failed retry starts another wait; a connection made brings it back at once', () => {
    const { health, changes, advance } = breaker(5000);
    health.failed('first');
    advance(5000);
    expect(health.tryReplica()).toBe(true);
    health.failed('second');
    advance(4000);
    expect(health.tryReplica()).toBe(false);
    advance(1000);
    expect(health.tryReplica()).toBe(true);
    advance(250);
    health.answered();
    expect(health.state()).toEqual({ available: true });
    expect([health.tryReplica(), health.tryReplica()]).toEqual([true, true]);
    // One change each way for the whole outage, with the first failure's reason and its length.
    expect(changes).toEqual([
      { available: false, reason: 'first' },
      { available: true, downMs: 10_250 },
    ]);
  });

  it('a retry that neither connects nor fails does not keep the replica skipped for good', () => {
    const { health, advance } = breaker(5000);
    health.failed('gone');
    advance(5000);
    expect(health.tryReplica()).toBe(true); // that attempt never reports back
    advance(4999);
    expect(health.tryReplica()).toBe(false);
    advance(1);
    expect(health.tryReplica()).toBe(true);
  });

  it('tells every outage once, and a listener that throws breaks nothing; unsubscribed listeners hear nothing', () => {
    const { health, changes } = breaker();
    const stop = health.onChange(() => {
      throw new Error('a broken log');
    });
    health.failed('a');
    health.failed('b');
    health.answered();
    health.answered();
    health.failed('c');
    stop();
    health.answered();
    expect(changes.map((c) => c.available)).toEqual([false, true, false, true]);
    expect(changes[2]).toEqual({ available: false, reason: 'c' });
  });
});
