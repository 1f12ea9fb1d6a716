// The CRI container log format, as containerd and CRI-O write it and upstream's
// kuberuntime/logs reads it: one record per line,
//   <RFC3339Nano timestamp> <stdout|stderr> <tags> <content>
// where the first tag is F (full: the content ends a line) or P (partial: the runtime split
// a long line and the next record continues it).

export type LogStream = 'stdout' | 'stderr';

export interface CriLogRecord {
  /** The timestamp as the runtime wrote it. */
  timestamp: string;
  /** Nanoseconds since the epoch, for since-time filtering. */
  nanos: bigint;
  stream: LogStream;
  partial: boolean;
  /** The record's bytes, with the newline restored for full records. */
  content: Buffer;
}

const SPACE = 0x20;

/** Parses one line (without its trailing newline); undefined when it is not a CRI record. */
export function parseCriLogLine(line: Buffer): CriLogRecord | undefined {
  const a = line.indexOf(SPACE);
  if (a < 0) return undefined;
  const b = line.indexOf(SPACE, a + 1);
  if (b < 0) return undefined;
  const timestamp = line.subarray(0, a).toString('latin1');
  const stream = line.subarray(a + 1, b).toString('latin1');
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const nanos = parseRfc3339Nanos(timestamp);
  if (nanos === undefined) return undefined;
  // Tags end at the next space; a record with no content may omit it.
  let c = line.indexOf(SPACE, b + 1);
  if (c < 0) c = line.length;
  const tags = line.subarray(b + 1, c).toString('latin1').split(':');
  const partial = tags[0] === 'P';
  const body = line.subarray(Math.min(c + 1, line.length));
  return { timestamp, nanos, stream, partial, content: partial ? Buffer.from(body) : Buffer.concat([body, Buffer.from('\n')]) };
}

/** Formats a record line as a runtime writes it (for tests and the process runtime). */
export function formatCriLogLine(time: Date | string, stream: LogStream, content: string, partial = false): string {
  const ts = typeof time === 'string' ? time : time.toISOString();
  return `${ts} ${stream} ${partial ? 'P' : 'F'} ${content}\n`;
}

/** RFC3339 with optional fraction → nanoseconds since the epoch. */
export function parseRfc3339Nanos(text: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const fraction = BigInt((m[2] ?? '').padEnd(9, '0'));
  return BigInt(ms) * 1_000_000n + fraction;
}

/**
 * The timestamp `kubectl logs --timestamps` shows: Go's RFC3339Nano, which drops trailing
 * zeros of the fraction (upstream re-formats the parsed time with time.RFC3339Nano).
 */
export function rfc3339NanoOut(timestamp: string): string {
  return timestamp.replace(/\.(\d*?)0+(Z|[+-]\d{2}:\d{2})$/i, (_all, digits: string, zone: string) => (digits ? `.${digits}${zone}` : zone));
}
