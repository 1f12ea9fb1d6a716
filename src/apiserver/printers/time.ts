// Ages and durations as upstream prints them (apimachinery util/duration.HumanDuration and the
// printers' translateTimestampSince).

/** duration.HumanDuration: ~2-3 significant figures, e.g. "45s", "5m3s", "3h10m", "4d5h", "2y3d". */
export function humanDuration(ms: number): string {
  // Go truncates toward zero; up to 2s in the future still reads "0s" (clock skew).
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const y = Math.floor(hours / 24 / 365);
    const d = Math.floor(hours / 24) % 365;
    return d === 0 ? `${y}y` : `${y}y${d}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

/** Milliseconds since the epoch of an RFC 3339 timestamp, or undefined when unset or unparsable. */
export function timestampMs(ts: unknown): number | undefined {
  if (typeof ts !== 'string' || ts === '') return undefined;
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? undefined : ms;
}

/** translateTimestampSince: "<unknown>" for a zero time, else the human duration since it. */
export function since(ts: unknown, now: number): string {
  const ms = timestampMs(ts);
  return ms === undefined ? '<unknown>' : humanDuration(now - ms);
}

/** The AGE cell every printer ends with. */
export function age(obj: { metadata?: { creationTimestamp?: unknown } }, now: number): string {
  return since(obj.metadata?.creationTimestamp, now);
}
