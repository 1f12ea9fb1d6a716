// The CRI container log format, as containerd writes it and the kubelet reads it:
// `<RFC3339Nano time> <stdout|stderr> <F|P> <content>\n`. A line longer than the maximum is cut
// into partial (P) chunks closed by a full (F) one; output left without a newline when the
// stream ends is written as a full line (containerd's redirectLogs).

export type LogStream = 'stdout' | 'stderr';

/** containerd's default max_container_log_line_size. */
export const MAX_LOG_LINE_BYTES = 16 * 1024;

/** RFC 3339 with nanoseconds in UTC, the width containerd's logs use. */
export function formatLogTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-01-01T00:00:00.123Z
  return `${iso.slice(0, 23)}000000Z`;
}

export function criLine(ms: number, stream: LogStream, tag: 'F' | 'P', content: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${formatLogTime(ms)} ${stream} ${tag} `), content, Buffer.from('\n')]);
}

/**
 * Splits one stream's output into CRI lines. Holds back an unfinished line until its newline
 * arrives, it grows past the maximum, or the stream ends.
 */
export class CriLineSplitter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly stream: LogStream, private readonly maxLine = MAX_LOG_LINE_BYTES) {}

  /** Bytes received but not yet written as a line. */
  get pendingBytes(): number {
    return this.pending.length;
  }

  push(chunk: Buffer, ms: number): Buffer[] {
    const out: Buffer[] = [];
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const nl = data.indexOf(0x0a);
      if (nl < 0) break;
      let line = data.subarray(0, nl);
      while (line.length > this.maxLine) {
        out.push(criLine(ms, this.stream, 'P', line.subarray(0, this.maxLine)));
        line = line.subarray(this.maxLine);
      }
      out.push(criLine(ms, this.stream, 'F', line));
      data = data.subarray(nl + 1);
    }
    while (data.length > this.maxLine) {
      out.push(criLine(ms, this.stream, 'P', data.subarray(0, this.maxLine)));
      data = data.subarray(this.maxLine);
    }
    this.pending = Buffer.from(data);
    return out;
  }

  /** The stream ended: what is left is a full line. */
  end(ms: number): Buffer[] {
    if (this.pending.length === 0) return [];
    const line = criLine(ms, this.stream, 'F', this.pending);
    this.pending = Buffer.alloc(0);
    return [line];
  }
}

export interface CriLogEntry {
  time: string;
  stream: LogStream;
  tag: 'F' | 'P';
  content: string;
}

/** Parses one CRI log line (without its newline). */
export function parseCriLine(line: string): CriLogEntry | undefined {
  const m = /^(\S+) (stdout|stderr) ([FP]) ?(.*)$/s.exec(line);
  if (!m) return undefined;
  return { time: m[1]!, stream: m[2] as LogStream, tag: m[3] as 'F' | 'P', content: m[4]! };
}
