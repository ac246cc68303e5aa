/**
 * Human durations for messages the model reads: `450 ms`, `12 s`, `1.5 s`, `5 min`, `2 h`.
 * Whole minutes and hours are used from two minutes up, so "60 s" stays "60 s".
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms >= 2 * 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 2 * 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** A wait rounded up to whole seconds (never "0 s"), since the model cannot act on milliseconds. */
export function formatRetry(ms: number): string {
  return ms < 1000 ? '1 s' : formatDuration(Math.ceil(ms / 1000) * 1000);
}

/** What a limit allows, e.g. `3 calls per 60 s`, or `100 points per 1 h` when calls cost more than one point. */
export function describeLimit(points: number, durationMs: number, cost: number): string {
  const unit = cost === 1 ? (points === 1 ? 'call' : 'calls') : points === 1 ? 'point' : 'points';
  return `${points} ${unit} per ${formatDuration(durationMs)}`;
}

/** `Rate limit reached for send_money: 3 calls per 60 s. Retry in 12 s.` */
export function rateLimitedMessage(
  tool: string,
  limit: { label: string | undefined; points: number; durationMs: number; blockDurationMs: number },
  cost: number,
  retryAfterMs: number,
): string {
  const which = limit.label ? ` "${limit.label}"` : '';
  const costNote = cost === 1 ? '' : ` (this call costs ${cost})`;
  const block = limit.blockDurationMs > 0 ? `; exceeding it blocks for ${formatDuration(limit.blockDurationMs)}` : '';
  return (
    `Rate limit${which} reached for ${tool}: ${describeLimit(limit.points, limit.durationMs, cost)}` +
    `${costNote}${block}. Retry in ${formatRetry(retryAfterMs)}.`
  );
}
