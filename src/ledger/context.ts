/** Who is asking, carried into every event's metadata. */
export interface CommandContext {
  /** The authenticated principal; "anonymous" until API keys exist. */
  actor: string;
  requestId: string;
  correlationId?: string | null;
  causationId?: string | null;
  clientAddress?: string | null;
}

export const DEFAULT_ACTOR = 'anonymous';
