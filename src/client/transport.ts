// How the client reaches an API server. Two implementations: HTTP(S) to a remote server
// (http-transport.ts) and in-process calls into an ApiServer in the same process
// (in-process-transport.ts). Everything above this interface is transport-agnostic.

export interface TransportRequest {
  method: string;
  /** Path with query string, e.g. /api/v1/namespaces/default/pods?limit=500. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

export interface TransportResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
}

/** A response whose body is read as it arrives (watches). */
export interface StreamResponse {
  status: number;
  headers: Record<string, string>;
  /** The body in chunks; ends when the server ends the response or cancel() is called. */
  body: AsyncIterable<Buffer>;
  /**
   * In-process watches only: the events as objects (each the caller's own copy), in place of
   * JSON lines on the body. Ends like the body.
   */
  events?: AsyncIterable<unknown>;
  /** Aborts the request; the body then ends. Idempotent. */
  cancel(): void;
}

export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  stream(req: TransportRequest): Promise<StreamResponse>;
  /** Releases pooled connections. */
  close?(): void;
}

/** Reads a whole stream into one buffer. */
export async function readAll(body: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}
