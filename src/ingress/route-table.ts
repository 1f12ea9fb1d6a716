// The routing table built from every Ingress we serve, merged by host the way ingress-nginx
// merges them into nginx servers:
// - A request picks one server: its exact host, else the `*.parent` wildcard covering it
//   (one label), else the catch-all server made of the rules without a host.
// - Within the server the longest matching path wins; at equal length Exact beats Prefix
//   (Ingress spec precedence); a remaining tie goes to the oldest Ingress (ingress-nginx).
// - No path matching: the defaultBackend of the oldest Ingress contributing to that server
//   that has one; for the catch-all server, that of the oldest Ingress with a defaultBackend
//   and no rules, else with host-less rules. Nothing left: 404, as ingress-nginx's default
//   backend. (A host server does not fall through to the catch-all server, as in nginx.)
import type { Ingress, IngressBackend } from 'kubernetes-types/networking/v1.js';
import { wildcardFor } from './host-match.js';
import type { MatchType } from './path-match.js';
import { matchTypeOf, normalizeRulePath, pathMatches } from './path-match.js';

export type RouteBackend =
  | { kind: 'service'; namespace: string; name: string; port: { number?: number; name?: string }; ingress: string }
  /** `resource` backends (e.g. a storage bucket) are not something we can serve: 503. */
  | { kind: 'resource'; namespace: string; ingress: string; resource: string }
  /** Neither service nor resource (invalid; the API rejects it) — kept so routing stays total. */
  | { kind: 'none'; namespace: string; ingress: string };

export interface RouteMatch {
  backend: RouteBackend;
  /** The rule host that matched ('' for the catch-all server). */
  host: string;
  /** The rule path that matched, absent when a defaultBackend answered. */
  path?: string;
  pathType?: MatchType;
}

interface PathRoute {
  path: string;
  type: MatchType;
  backend: RouteBackend;
}

interface Server {
  host: string;
  /** In Ingress age order: the first of equal matches wins. */
  paths: PathRoute[];
  defaultBackend?: RouteBackend;
}

export class RouteTable {
  private constructor(
    private readonly exact: ReadonlyMap<string, Server>,
    private readonly wildcard: ReadonlyMap<string, Server>,
    private readonly catchAll: Server,
  ) {}

  /** Builds the table from the Ingresses we serve (in any order). */
  static build(ingresses: readonly Ingress[]): RouteTable {
    const exact = new Map<string, Server>();
    const wildcard = new Map<string, Server>();
    const catchAll: Server = { host: '', paths: [] };
    let catchAllFromHostless: RouteBackend | undefined;

    for (const ing of sortOldestFirst(ingresses)) {
      const ns = ing.metadata?.namespace ?? '';
      const key = `${ns}/${ing.metadata?.name ?? ''}`;
      const defaultBackend = ing.spec?.defaultBackend ? toBackend(ing.spec.defaultBackend, ns, key) : undefined;
      const rules = ing.spec?.rules ?? [];
      if (rules.length === 0 && defaultBackend && !catchAll.defaultBackend) catchAll.defaultBackend = defaultBackend;

      for (const rule of rules) {
        const host = (rule.host ?? '').toLowerCase();
        let server: Server;
        if (!host) server = catchAll;
        else {
          const map = host.startsWith('*.') ? wildcard : exact;
          server = map.get(host) ?? { host, paths: [] };
          map.set(host, server);
        }
        for (const p of rule.http?.paths ?? []) {
          const type = matchTypeOf(p.pathType);
          server.paths.push({ path: normalizeRulePath(p.path, type), type, backend: toBackend(p.backend, ns, key) });
        }
        if (defaultBackend) {
          if (server === catchAll) catchAllFromHostless ??= defaultBackend;
          else server.defaultBackend ??= defaultBackend;
        }
      }
    }
    catchAll.defaultBackend ??= catchAllFromHostless;
    return new RouteTable(exact, wildcard, catchAll);
  }

  /** The backend for a request (host already normalized by normalizeHost), if any. */
  match(host: string, path: string): RouteMatch | undefined {
    const server = this.serverFor(host);
    const best = bestPath(server.paths, path);
    if (best) return { backend: best.backend, host: server.host, path: best.path, pathType: best.type };
    if (server.defaultBackend) return { backend: server.defaultBackend, host: server.host };
    return undefined;
  }

  /** Every host a rule names (exact and wildcard), for TLS bindings without hosts. */
  get hosts(): string[] {
    return [...this.exact.keys(), ...this.wildcard.keys()];
  }

  private serverFor(host: string): Server {
    const exact = host ? this.exact.get(host) : undefined;
    if (exact) return exact;
    const wild = host ? wildcardFor(host) : undefined;
    return (wild && this.wildcard.get(wild)) || this.catchAll;
  }
}

function bestPath(paths: readonly PathRoute[], requestPath: string): PathRoute | undefined {
  let best: PathRoute | undefined;
  for (const p of paths) {
    if (!pathMatches(p.path, p.type, requestPath)) continue;
    if (!best || p.path.length > best.path.length || (p.path.length === best.path.length && p.type === 'Exact' && best.type !== 'Exact')) {
      best = p;
    }
  }
  return best;
}

function toBackend(b: IngressBackend | undefined, namespace: string, ingress: string): RouteBackend {
  if (b?.service?.name) return { kind: 'service', namespace, name: b.service.name, port: { ...b.service.port }, ingress };
  if (b?.resource) return { kind: 'resource', namespace, ingress, resource: `${b.resource.kind}/${b.resource.name}` };
  return { kind: 'none', namespace, ingress };
}

/** Oldest first, then by namespace/name: the order ingress-nginx settles conflicts in. */
export function sortOldestFirst(ingresses: readonly Ingress[]): Ingress[] {
  const key = (i: Ingress) => `${i.metadata?.namespace ?? ''}/${i.metadata?.name ?? ''}`;
  return [...ingresses].sort((a, b) => {
    const ta = a.metadata?.creationTimestamp ?? '';
    const tb = b.metadata?.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? -1 : 1;
    return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
  });
}
