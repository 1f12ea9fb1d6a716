// Media types of Kubernetes protobuf bodies and the choice to answer in protobuf.

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
/** The Content-Type of a protobuf watch stream (length-prefixed WatchEvent frames). */
export const PROTOBUF_WATCH_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf;stream=watch';

/** True for application/vnd.kubernetes.protobuf, with or without parameters. */
export function isProtobufMediaType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0].trim().toLowerCase() === PROTOBUF_MEDIA_TYPE;
}

interface AcceptClause {
  type: string;
  params: Map<string, string>;
  q: number;
  order: number;
}

function parseAccept(accept: string): AcceptClause[] {
  return accept.split(',').map((part, order) => {
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    const params = new Map<string, string>();
    for (const p of rest) {
      const i = p.indexOf('=');
      if (i > 0) params.set(p.slice(0, i).trim().toLowerCase(), p.slice(i + 1).trim());
    }
    const q = params.has('q') ? Number(params.get('q')) : 1;
    return { type: type.toLowerCase(), params, q: Number.isNaN(q) ? 0 : q, order };
  });
}

const SERVED = new Set(['application/json', 'application/yaml', PROTOBUF_MEDIA_TYPE, '*/*', 'application/*']);

/**
 * Whether to answer in protobuf: true when the most preferred media type the server can
 * serve is protobuf (client-go sends "application/vnd.kubernetes.protobuf, application/json").
 * Clauses that ask for a transformed form (as=Table, as=PartialObjectMetadata) are left to
 * the JSON path, which serves them.
 */
export function prefersProtobuf(accept: string | undefined): boolean {
  if (!accept) return false;
  const clauses = parseAccept(accept)
    .filter((c) => c.q > 0 && SERVED.has(c.type) && !c.params.has('as'))
    .sort((a, b) => b.q - a.q || a.order - b.order);
  return clauses[0]?.type === PROTOBUF_MEDIA_TYPE;
}
