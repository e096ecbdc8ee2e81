/** Webhook delivery settings (src/config.ts reads them from INKWELL_WEBHOOK_*; docs/operations.md). */
export interface WebhookSettings {
  /** One attempt's deadline, DNS to last byte (INKWELL_WEBHOOK_TIMEOUT_MS). */
  timeoutMs: number;
  /** The first retry's wait; each next one doubles (INKWELL_WEBHOOK_BACKOFF_BASE_MS). */
  backoffBaseMs: number;
  /** The longest wait between retries (INKWELL_WEBHOOK_BACKOFF_CAP_MS). */
  backoffCapMs: number;
  /** How long one event may keep failing before the webhook parks as FAILING (INKWELL_WEBHOOK_FAILING_AFTER_MS). */
  failingAfterMs: number;
  /** Reach loopback, private and link-local addresses too (INKWELL_WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** How long the previous secret still signs after a rotation (INKWELL_WEBHOOK_SECRET_GRACE_MS). */
  secretGraceMs: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  timeoutMs: 10_000,
  backoffBaseMs: 1_000,
  backoffCapMs: 60 * 60 * 1000,
  failingAfterMs: 3 * 24 * 60 * 60 * 1000,
  allowPrivate: false,
  secretGraceMs: 24 * 60 * 60 * 1000,
};
