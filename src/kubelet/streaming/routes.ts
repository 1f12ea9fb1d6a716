// The kubelet's streaming paths (upstream pkg/kubelet/server/server.go):
//   /containerLogs/{namespace}/{pod}/{container}
//   /exec/{namespace}/{pod}[/{uid}]/{container}      (and /attach/…)
//   /portForward/{namespace}/{pod}[/{uid}]

export type StreamingRoute =
  | { kind: 'containerLogs'; namespace: string; pod: string; container: string }
  | { kind: 'exec' | 'attach'; namespace: string; pod: string; uid?: string; container: string }
  | { kind: 'portForward'; namespace: string; pod: string; uid?: string }
  | { kind: 'healthz' };

export function matchStreamingRoute(pathname: string): StreamingRoute | undefined {
  let parts: string[];
  try {
    parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  const [head, ...rest] = parts;
  switch (head) {
    case 'healthz':
      return rest.length === 0 ? { kind: 'healthz' } : undefined;
    case 'containerLogs':
      return rest.length === 3 ? { kind: 'containerLogs', namespace: rest[0], pod: rest[1], container: rest[2] } : undefined;
    case 'exec':
    case 'attach':
      if (rest.length === 3) return { kind: head, namespace: rest[0], pod: rest[1], container: rest[2] };
      if (rest.length === 4) return { kind: head, namespace: rest[0], pod: rest[1], uid: rest[2], container: rest[3] };
      return undefined;
    case 'portForward':
      if (rest.length === 2) return { kind: 'portForward', namespace: rest[0], pod: rest[1] };
      if (rest.length === 3) return { kind: 'portForward', namespace: rest[0], pod: rest[1], uid: rest[2] };
      return undefined;
    default:
      return undefined;
  }
}
