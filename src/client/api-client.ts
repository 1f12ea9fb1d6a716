// The typed client: one ResourceClient per resource, with the REST verbs of the Kubernetes
// API (get, list, watch, create, update, patch, delete and subresources) over any Transport.
// Failures are thrown as the api/errors.ts classes, rebuilt from the server's Status.
import type { Logger } from '../logger.js';
import { nullLogger } from '../logger.js';
import { errorFromResponse, isResourceExpired } from './errors.js';
import type { ObjectWithMeta, ResourceDescriptor } from './resources.js';
import { apiVersionFor, groupResource } from './resources.js';
import type { Transport } from './transport.js';
import type { Watch } from './watch.js';
import { decodeWatch } from './watch.js';

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
  timeoutSeconds?: number;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  sendInitialEvents?: boolean;
  resourceVersionMatch?: 'NotOlderThan';
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export interface PatchOptions extends WriteOptions {
  /** Server-side apply only: take over fields other managers own. */
  force?: boolean;
  subresource?: string;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface ApiClientOptions {
  userAgent?: string;
  logger?: Logger;
}

export class ApiClient {
  readonly logger: Logger;

  constructor(readonly transport: Transport, private readonly opts: ApiClientOptions = {}) {
    this.logger = opts.logger ?? nullLogger;
  }

  /** A client for one resource; `namespace` scopes it (else namespaced lists span all namespaces). */
  resource<T extends ObjectWithMeta>(desc: ResourceDescriptor<T>, namespace?: string): ResourceClient<T> {
    return new ResourceClient<T>(this, desc, namespace);
  }

  /** Sends a request with a JSON body (if any) and returns the decoded JSON answer. */
  async requestJson<R>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<R> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.opts.userAgent) headers['User-Agent'] = this.opts.userAgent;
    let payload: Buffer | undefined;
    if (body !== undefined) {
      headers['Content-Type'] = contentType;
      payload = Buffer.from(JSON.stringify(body));
    }
    const res = await this.transport.request({ method, path, headers, body: payload });
    if (res.status < 200 || res.status > 299) {
      const err = errorFromResponse(res.status, res.body);
      this.logger.debug('request failed', { verb: method, path, code: res.status, reason: err.reason });
      throw err;
    }
    return (res.body.length ? JSON.parse(res.body.toString('utf8')) : undefined) as R;
  }

  /** Opens a streaming GET (a watch) and decodes its events. */
  async watchPath<T>(path: string): Promise<Watch<T>> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.opts.userAgent) headers['User-Agent'] = this.opts.userAgent;
    const res = await this.transport.stream({ method: 'GET', path, headers });
    if (res.status !== 200) {
      const chunks: Buffer[] = [];
      for await (const c of res.body) chunks.push(c);
      res.cancel();
      throw errorFromResponse(res.status, Buffer.concat(chunks));
    }
    return decodeWatch<T>(res);
  }
}

export class ResourceClient<T extends ObjectWithMeta> {
  constructor(
    readonly client: ApiClient,
    readonly desc: ResourceDescriptor<T>,
    readonly namespace?: string,
  ) {}

  /** The same resource scoped to `namespace`. */
  inNamespace(namespace: string): ResourceClient<T> {
    return new ResourceClient<T>(this.client, this.desc, namespace);
  }

  get(name: string, opts: { resourceVersion?: string } = {}): Promise<T> {
    return this.client.requestJson<T>('GET', this.path(this.requireNamespace(), name, undefined, { resourceVersion: opts.resourceVersion }));
  }

  list(opts: ListOptions = {}): Promise<ObjectList<T>> {
    return this.client.requestJson<ObjectList<T>>('GET', this.path(this.namespace, undefined, undefined, listQuery(opts)));
  }

  /**
   * Every page of a list, following `continue` (as client-go's pager). The resourceVersion is
   * the first page's: all pages come from that snapshot. If the continue token expires midway
   * (410), the whole list is fetched again in one request, as the pager does.
   */
  async listAll(opts: Omit<ListOptions, 'limit' | 'continue'> & { pageSize?: number } = {}): Promise<ObjectList<T>> {
    const { pageSize = 500, ...rest } = opts;
    const first = await this.list({ ...rest, limit: pageSize });
    const items = [...first.items];
    let token = first.metadata.continue;
    while (token) {
      let page: ObjectList<T>;
      try {
        page = await this.list({ ...rest, limit: pageSize, continue: token });
      } catch (err) {
        if (!isResourceExpired(err)) throw err;
        return this.list(rest);
      }
      items.push(...page.items);
      token = page.metadata.continue;
    }
    return { ...first, metadata: { resourceVersion: first.metadata.resourceVersion }, items };
  }

  watch(opts: WatchOptions = {}): Promise<Watch<T>> {
    const query: Record<string, string | undefined> = {
      watch: 'true',
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      resourceVersion: opts.resourceVersion,
      resourceVersionMatch: opts.resourceVersionMatch,
      allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
      timeoutSeconds: opts.timeoutSeconds !== undefined ? String(opts.timeoutSeconds) : undefined,
      sendInitialEvents: opts.sendInitialEvents !== undefined ? String(opts.sendInitialEvents) : undefined,
    };
    return this.client.watchPath<T>(this.path(this.namespace, undefined, undefined, query));
  }

  create(obj: T, opts: WriteOptions = {}): Promise<T> {
    const body = this.withTypeMeta(obj);
    return this.client.requestJson<T>('POST', this.path(this.namespaceOf(obj), undefined, undefined, writeQuery(opts)), body);
  }

  /** Replaces the object (PUT); fails with a Conflict if its resourceVersion is stale. */
  update(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.client.requestJson<T>('PUT', this.path(this.namespaceOf(obj), nameOf(obj), undefined, writeQuery(opts)), this.withTypeMeta(obj));
  }

  /** Replaces the status (PUT …/status); other changes are ignored by the server. */
  updateStatus(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.client.requestJson<T>('PUT', this.path(this.namespaceOf(obj), nameOf(obj), 'status', writeQuery(opts)), this.withTypeMeta(obj));
  }

  /** Patches `name` (or its subresource) with a merge, JSON, strategic-merge or apply patch. */
  patch(name: string, type: PatchType, patch: unknown, opts: PatchOptions = {}): Promise<T> {
    const query = writeQuery(opts);
    if (type === 'apply' && opts.force) query.force = 'true';
    if (type === 'apply' && !opts.fieldManager) throw new Error('server-side apply needs a fieldManager');
    return this.client.requestJson<T>('PATCH', this.path(this.requireNamespace(), name, opts.subresource, query), patch, PATCH_CONTENT_TYPES[type]);
  }

  /** Server-side apply of `obj` (its name and namespace say what) as `fieldManager`. */
  apply(obj: T, opts: PatchOptions & { fieldManager: string }): Promise<T> {
    const scoped = this.namespace || !this.desc.namespaced ? this : this.inNamespace(this.namespaceOf(obj)!);
    return scoped.patch(nameOf(obj), 'apply', this.withTypeMeta(obj), opts);
  }

  /** Deletes `name`; resolves to the object (still present while finalizers run) or a Status. */
  delete(name: string, opts: DeleteOptions = {}): Promise<T | Record<string, unknown>> {
    const { dryRun, ...rest } = opts;
    const body = { kind: 'DeleteOptions', apiVersion: 'v1', ...rest, ...(dryRun ? { dryRun: ['All'] } : {}) };
    return this.client.requestJson('DELETE', this.path(this.requireNamespace(), name), body);
  }

  /** Deletes every object the list options select (DELETE on the collection). */
  deleteCollection(opts: ListOptions & DeleteOptions = {}): Promise<Record<string, unknown>> {
    const { gracePeriodSeconds, propagationPolicy, preconditions, dryRun, ...list } = opts;
    const body = { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds, propagationPolicy, preconditions, ...(dryRun ? { dryRun: ['All'] } : {}) };
    return this.client.requestJson('DELETE', this.path(this.requireNamespace(), undefined, undefined, listQuery(list)), body);
  }

  getSubresource<R>(name: string, subresource: string): Promise<R> {
    return this.client.requestJson<R>('GET', this.path(this.requireNamespace(), name, subresource));
  }

  updateSubresource<R>(name: string, subresource: string, body: unknown, opts: WriteOptions = {}): Promise<R> {
    return this.client.requestJson<R>('PUT', this.path(this.requireNamespace(), name, subresource, writeQuery(opts)), body);
  }

  createSubresource<R>(name: string, subresource: string, body: unknown, opts: WriteOptions = {}): Promise<R> {
    return this.client.requestJson<R>('POST', this.path(this.requireNamespace(), name, subresource, writeQuery(opts)), body);
  }

  getScale(name: string): Promise<Scale> {
    return this.getSubresource<Scale>(name, 'scale');
  }

  updateScale(name: string, scale: Scale, opts: WriteOptions = {}): Promise<Scale> {
    const body = { apiVersion: 'autoscaling/v1', kind: 'Scale', ...scale, metadata: { name, namespace: this.namespace, ...scale.metadata } };
    return this.updateSubresource<Scale>(name, 'scale', body, opts);
  }

  /** Binds a pod to a node (pods/binding), as the scheduler does. */
  bind(name: string, nodeName: string, opts: WriteOptions = {}): Promise<Record<string, unknown>> {
    const body = { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: this.namespace }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } };
    return this.createSubresource(name, 'binding', body, opts);
  }

  /** Evicts a pod (pods/eviction), honouring PodDisruptionBudgets on the server. */
  evict(name: string, deleteOptions?: DeleteOptions): Promise<Record<string, unknown>> {
    const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: this.namespace }, ...(deleteOptions ? { deleteOptions } : {}) };
    return this.createSubresource(name, 'eviction', body);
  }

  /** The URL path (with query) for this resource. */
  path(namespace: string | undefined, name?: string, subresource?: string, query: Record<string, string | undefined> = {}): string {
    const d = this.desc;
    let p = d.group ? `/apis/${d.group}/${d.version}` : `/api/${d.version}`;
    if (d.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
    p += `/${d.resource}`;
    if (name !== undefined) {
      if (!name) throw new Error(`${groupResource(d)}: an object name is required`);
      p += `/${encodeURIComponent(name)}`;
    }
    if (subresource) p += `/${subresource}`;
    // Most writes carry no query: no URLSearchParams for them (this runs for every request).
    let qs: URLSearchParams | undefined;
    for (const k in query) {
      const v = query[k];
      if (v !== undefined && v !== '') (qs ??= new URLSearchParams()).set(k, v);
    }
    return qs ? `${p}?${qs.toString()}` : p;
  }

  private requireNamespace(): string | undefined {
    if (this.desc.namespaced && !this.namespace) throw new Error(`${groupResource(this.desc)} is namespaced: use inNamespace(ns)`);
    return this.namespace;
  }

  private namespaceOf(obj: T): string | undefined {
    if (!this.desc.namespaced) return undefined;
    const ns = this.namespace ?? obj.metadata?.namespace;
    if (!ns) throw new Error(`${groupResource(this.desc)} is namespaced: set metadata.namespace or use inNamespace(ns)`);
    if (obj.metadata?.namespace && obj.metadata.namespace !== ns) {
      throw new Error(`the namespace of the object (${obj.metadata.namespace}) does not match the client's (${ns})`);
    }
    return ns;
  }

  private withTypeMeta(obj: T): T {
    return { ...obj, apiVersion: obj.apiVersion ?? apiVersionFor(this.desc), kind: obj.kind ?? this.desc.kind };
  }
}

export interface Scale {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  spec?: { replicas?: number };
  status?: { replicas: number; selector?: string };
}

function nameOf(obj: ObjectWithMeta): string {
  const name = obj.metadata?.name;
  if (!name) throw new Error('the object has no metadata.name');
  return name;
}

function listQuery(o: ListOptions): Record<string, string | undefined> {
  return {
    labelSelector: o.labelSelector,
    fieldSelector: o.fieldSelector,
    limit: o.limit !== undefined ? String(o.limit) : undefined,
    continue: o.continue,
    resourceVersion: o.resourceVersion,
    resourceVersionMatch: o.resourceVersionMatch,
    timeoutSeconds: o.timeoutSeconds !== undefined ? String(o.timeoutSeconds) : undefined,
  };
}

function writeQuery(o: WriteOptions): Record<string, string | undefined> {
  return {
    dryRun: o.dryRun ? 'All' : undefined,
    fieldManager: o.fieldManager,
    fieldValidation: o.fieldValidation,
  };
}
