// Discovery documents: legacy (/api, /apis, /apis/<group>, /<prefix>/<group>/<version>) and
// aggregated (apidiscovery.k8s.io v2 and v2beta1), built once from the served kinds.
import { createHash } from 'node:crypto';
import type { KindDef, Subresource } from '../../api/kinds.js';
import { apiVersionOf } from '../../api/kinds.js';

const DEFAULT_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface SubresourceShape {
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

/** Each subresource's kind and verbs, as upstream's discovery shows them. */
function subresourceShape(def: KindDef, sub: Subresource): SubresourceShape {
  switch (sub) {
    case 'status':
      return { kind: def.kind, verbs: ['get', 'patch', 'update'] };
    case 'scale':
      return { kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] };
    case 'binding':
      return { kind: 'Binding', verbs: ['create'] };
    case 'log':
      return { kind: 'Pod', verbs: ['get'] };
    case 'exec':
      return { kind: 'PodExecOptions', verbs: ['create', 'get'] };
    case 'attach':
      return { kind: 'PodAttachOptions', verbs: ['create', 'get'] };
    case 'portforward':
      return { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] };
    case 'eviction':
      return { kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] };
    case 'token':
      return { kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] };
    case 'proxy':
      return { kind: `${def.kind}ProxyOptions`, verbs: ['create', 'delete', 'get', 'patch', 'update'] };
    case 'ephemeralcontainers':
      return { kind: 'Pod', verbs: ['get', 'patch', 'update'] };
    case 'finalize':
      return { kind: def.kind, verbs: ['update'] };
    case 'approval':
      return { kind: def.kind, verbs: ['get', 'patch', 'update'] };
  }
}

function storageVersionHash(def: KindDef): string {
  const s = def.storage ?? { group: def.group, resource: def.resource, version: def.version };
  return createHash('sha256').update(`${s.group}/${s.version}/${def.kind}`).digest('base64').slice(0, 11);
}

export interface GroupInfo {
  name: string;
  versions: string[];
  preferredVersion: string;
}

export class Discovery {
  readonly groups: GroupInfo[];
  private readonly byGroupVersion = new Map<string, KindDef[]>();

  constructor(private readonly kinds: KindDef[], preferred: Record<string, string>) {
    const groups = new Map<string, Set<string>>();
    for (const def of kinds) {
      const gv = apiVersionOf(def);
      if (!this.byGroupVersion.has(gv)) this.byGroupVersion.set(gv, []);
      this.byGroupVersion.get(gv)!.push(def);
      if (!groups.has(def.group)) groups.set(def.group, new Set());
      groups.get(def.group)!.add(def.version);
    }
    this.groups = [...groups.entries()].map(([name, versions]) => {
      const sorted = sortVersions([...versions]);
      return { name, versions: sorted, preferredVersion: preferred[name] ?? sorted[0] };
    });
  }

  apiVersions(serverAddress: string): object {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }

  apiGroupList(): object {
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: this.groups.filter((g) => g.name !== '').map(groupDoc) };
  }

  apiGroup(name: string): object | undefined {
    const g = this.groups.find((x) => x.name === name && name !== '');
    return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(g) } : undefined;
  }

  resourceList(group: string, version: string): object | undefined {
    const defs = this.byGroupVersion.get(group ? `${group}/${version}` : version);
    if (!defs) return undefined;
    const resources: object[] = [];
    for (const def of [...defs].sort((a, b) => a.resource.localeCompare(b.resource))) {
      const r: Record<string, unknown> = {
        name: def.resource,
        singularName: def.singular,
        namespaced: def.namespaced,
        kind: def.kind,
        verbs: def.verbs ?? DEFAULT_VERBS,
      };
      if (def.shortNames?.length) r.shortNames = def.shortNames;
      if (def.categories?.length) r.categories = def.categories;
      r.storageVersionHash = storageVersionHash(def);
      resources.push(r);
      for (const sub of def.subresources ?? []) {
        const shape = subresourceShape(def, sub);
        const s: Record<string, unknown> = { name: `${def.resource}/${sub}`, singularName: '', namespaced: def.namespaced };
        if (shape.group) s.group = shape.group;
        if (shape.version) s.version = shape.version;
        s.kind = shape.kind;
        s.verbs = shape.verbs;
        resources.push(s);
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
  }

  /** apidiscovery.k8s.io APIGroupDiscoveryList for the legacy (`api`) or named (`apis`) groups. */
  aggregated(prefix: 'api' | 'apis', version: 'v2' | 'v2beta1'): object {
    const groups = this.groups.filter((g) => (prefix === 'api' ? g.name === '' : g.name !== ''));
    const items = groups.map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: [g.preferredVersion, ...g.versions.filter((v) => v !== g.preferredVersion)].map((v) => ({
        version: v,
        resources: (this.byGroupVersion.get(g.name ? `${g.name}/${v}` : v) ?? [])
          .slice()
          .sort((a, b) => a.resource.localeCompare(b.resource))
          .map((def) => {
            const r: Record<string, unknown> = {
              resource: def.resource,
              responseKind: { group: def.group, version: def.version, kind: def.kind },
              scope: def.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: def.singular,
              verbs: def.verbs ?? DEFAULT_VERBS,
            };
            if (def.shortNames?.length) r.shortNames = def.shortNames;
            if (def.categories?.length) r.categories = def.categories;
            if (def.subresources?.length) {
              r.subresources = def.subresources.map((sub) => {
                const shape = subresourceShape(def, sub);
                return {
                  subresource: sub,
                  responseKind: { group: shape.group ?? def.group, version: shape.version ?? def.version, kind: shape.kind },
                  verbs: shape.verbs,
                };
              });
            }
            return r;
          }),
        freshness: 'Current',
      })),
    }));
    return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
  }
}

function groupDoc(g: GroupInfo): object {
  return {
    name: g.name,
    versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${g.name}/${g.preferredVersion}`, version: g.preferredVersion },
  };
}

/** Orders versions as upstream does: GA before beta before alpha, higher first. */
export function sortVersions(versions: string[]): string[] {
  const rank = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0];
    const stage = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    return [stage, -Number(m[1]), -Number(m[3] ?? 0)];
  };
  return versions.sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
    return a.localeCompare(b);
  });
}
