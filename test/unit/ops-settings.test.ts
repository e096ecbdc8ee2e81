/** The settings of /metrics and the access log: defaults, values, and a refused level. */
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config.js';

describe('INKWELL_METRICS_TOKEN and INKWELL_ACCESS_LOG', () => {
  it('default to loopback-only metrics and an info access log', () => {
    const config = configFromEnv({});
    expect(config.metricsToken).toBeNull();
    expect(config.accessLog).toBe('info');
  });

  it('take a token and any log level or off', () => {
    expect(configFromEnv({ INKWELL_METRICS_TOKEN: 's3cret' }).metricsToken).toBe('s3cret');
    for (const level of ['debug', 'info', 'warn', 'error', 'off'] as const)
      expect(configFromEnv({ INKWELL_ACCESS_LOG: level }).accessLog).toBe(level);
  });

  it('refuse an unknown level at start, naming the choices', () => {
    expect(() => configFromEnv({ INKWELL_ACCESS_LOG: 'verbose' })).toThrow(
      'INKWELL_ACCESS_LOG must be one of debug, info, warn, error, off, not "verbose"',
    );
  });
});
