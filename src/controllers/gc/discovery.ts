// What the API server serves, read from its discovery documents (GET /api/v1, /apis and
// /apis/<group>/<version>), as client-go's discovery client does for the garbage collector and
// the namespace controller: both act on every resource, custom ones included.
import type { ApiClient } from '../../client/api-client.js';
import type { ResourceDescriptor } from '../../client/resources.js';
import { apiVersionFor } from '../../client/resources.js';

/** A served resource with the verbs the server lists for it. */
export interface DiscoveredResource extends ResourceDescriptor {
  verbs: string[];
}

export interface ServerResources {
  /** Resources of each group's preferred version (upstream's ServerPreferredResources). */
  preferred: DiscoveredResource[];
  /** Resources of every served version, to map an apiVersion and kind to a resource. */
  all: DiscoveredResource[];
  /** Group versions whose discovery failed, with the reason (the rest is still usable). */
  failed: Map<string, Error>;
}

interface APIResource {
  name: string;
  namespaced: boolean;
  kind: string;
  verbs?: string[];
}

interface APIResourceList {
  groupVersion?: string;
  resources?: APIResource[];
}

interface APIGroupList {
  groups?: { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion?: { groupVersion: string; version: string } }[];
}

/** Reads every group version's resource list; subresources ("pods/status") are left out. */
export async function discoverServerResources(client: ApiClient): Promise<ServerResources> {
  const preferred: DiscoveredResource[] = [];
  const all: DiscoveredResource[] = [];
  const failed = new Map<string, Error>();
  const groupVersions: { group: string; version: string; preferred: boolean }[] = [{ group: '', version: 'v1', preferred: true }];
  const groups = await client.requestJson<APIGroupList>('GET', '/apis');
  for (const g of groups.groups ?? []) {
    const pref = g.preferredVersion?.version ?? g.versions[0]?.version;
    for (const v of g.versions) groupVersions.push({ group: g.name, version: v.version, preferred: v.version === pref });
  }
  await Promise.all(groupVersions.map(async (gv) => {
    const path = gv.group ? `/apis/${gv.group}/${gv.version}` : `/api/${gv.version}`;
    let list: APIResourceList;
    try {
      list = await client.requestJson<APIResourceList>('GET', path);
    } catch (err) {
      failed.set(apiVersionFor(gv), err instanceof Error ? err : new Error(String(err)));
      return;
    }
    for (const r of list.resources ?? []) {
      if (r.name.includes('/')) continue;
      const d: DiscoveredResource = { group: gv.group, version: gv.version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs ?? [] };
      all.push(d);
      if (gv.preferred) preferred.push(d);
    }
  }));
  const order = (a: DiscoveredResource, b: DiscoveredResource) => `${a.group}/${a.resource}`.localeCompare(`${b.group}/${b.resource}`);
  preferred.sort(order);
  all.sort(order);
  return { preferred, all, failed };
}

export function supportsVerbs(r: DiscoveredResource, verbs: string[]): boolean {
  return verbs.every((v) => r.verbs.includes(v));
}

/** Maps an owner reference's apiVersion and kind to its resource (upstream's RESTMapper). */
export class ResourceMapper {
  private readonly byKind = new Map<string, DiscoveredResource>();

  constructor(resources: DiscoveredResource[] = []) {
    for (const r of resources) {
      const key = `${apiVersionFor(r)}/${r.kind}`;
      if (!this.byKind.has(key)) this.byKind.set(key, r);
    }
  }

  forKind(apiVersion: string, kind: string): DiscoveredResource | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }
}
