// The REST verbs on resources: get, list, watch, create, update, patch, delete,
// deletecollection, and the status and scale subresources.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KindDef, KubeObject } from '../../api/kinds.js';
import { apiVersionOf } from '../../api/kinds.js';
import {
  ApiError,
  BadRequestError,
  ConflictError,
  InvalidError,
  MethodNotAllowedError,
  NotFoundError,
  type FieldError,
} from '../../api/errors.js';
import type { RequestInfo } from '../request-info.js';
import { isTrue } from '../request-info.js';
import type { UserInfo } from '../authn.js';
import type { AdmissionChain, Operation } from '../admission/types.js';
import type { ResourceRegistry } from '../resources.js';
import { servedAsStored, toServedVersion, toStorageVersion } from '../resources.js';
import type { ResourceStore } from '../resource-store.js';
import type { CachedObject } from '../watch-cache.js';
import { decodeBody, mediaType, negotiate, readBody, sendJsonText, sendObject, type Negotiated } from '../http.js';
import { successStatus } from '../status.js';
import { nowTimestamp, prepareForCreate, prepareForStatusUpdate, prepareForUpdate } from '../strategy.js';
import { toTable } from '../table.js';
import { buildFilter, type ObjectFilter } from '../filters.js';
import { selectorFromLabelSelector, selectorFromSet } from '../../api/labels.js';
import { applyPatch } from '../patch.js';
import { serveWatch } from './watch.js';
import { decodeContinue, encodeContinue } from '../continue-token.js';
import type { SchemaChecker } from '../schema-check.js';
import { isCustomKind, pruneCustomResource } from '../crd/crd-kinds.js';
import { applyConfiguration, applyTypeFor, ApplyTypes, fieldManagerName, resetFieldsFor, updateManagedFields, type ApplyType } from '../apply/index.js';
import { builtinDefinitions } from '../openapi/index.js';
import { parse as parseYaml } from 'yaml';
import { CRD_CLEANUP_FINALIZER } from '../crd/crd-controller.js';
import { goValueText } from '../go-value-text.js';
import { bindPod, checkEviction } from './pod-subresources.js';
import { isPodStreamRequest, type PodProxy } from './pod-proxy.js';
import type { TokenRequestHandler } from '../serviceaccount/token-request.js';
import { cloneJson } from '../clone-json.js';

export interface RestDeps {
  resources: ResourceRegistry;
  admission: AdmissionChain;
  schema: SchemaChecker;
  /** Serves pods/log, exec, attach and portforward through the pod's kubelet. */
  podProxy?: PodProxy;
  /** Serves serviceaccounts/token (TokenRequest). */
  tokenRequests?: TokenRequestHandler;
}

interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  info: RequestInfo;
  query: URLSearchParams;
  def: KindDef;
  store: ResourceStore;
  neg: Negotiated;
  user: UserInfo;
  warnings: string[];
}

export class RestHandler {
  constructor(private readonly deps: RestDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams, user: UserInfo): Promise<void> {
    const def = this.deps.resources.lookup(info.group, info.version, info.resource);
    if (!def) throw notFoundPage();
    if (!def.namespaced && info.namespace && info.resource !== 'namespaces') throw notFoundPage();
    const call: Call = {
      req, res, info, query, def,
      store: this.deps.resources.storeFor(def),
      neg: negotiate(req.headers.accept),
      user,
      warnings: [],
    };
    const sub = info.subresource;
    if (sub && !(def.subresources ?? []).includes(sub as never)) throw notFoundPage();
    if (sub === 'scale') return this.scale(call);
    if (sub === 'binding' && def.resource === 'pods' && info.verb === 'create') return this.bind(call);
    if (sub === 'eviction' && def.resource === 'pods' && info.verb === 'create') return this.evict(call);
    if (sub === 'token' && def.resource === 'serviceaccounts' && info.verb === 'create' && this.deps.tokenRequests) return this.requestToken(call);
    if (this.deps.podProxy && isPodStreamRequest(info)) return this.deps.podProxy.serve(req, res, info, query);
    if (sub && sub !== 'status' && sub !== 'finalize' && sub !== 'approval') {
      throw new MethodNotAllowedError(`the server does not allow this method on the requested resource (${sub} is not served yet)`);
    }
    // As upstream, /status and /approval serve get, update and patch only (never a delete).
    if ((sub === 'status' || sub === 'approval') && !['get', 'update', 'patch'].includes(info.verb)) throw new MethodNotAllowedError();
    switch (info.verb) {
      case 'get':
        return this.get(call);
      case 'list':
        return this.list(call);
      case 'watch':
        return this.watch(call);
      case 'create':
        if (info.name) throw new MethodNotAllowedError();
        return this.create(call);
      case 'update':
        return this.update(call);
      case 'patch':
        return this.patch(call);
      case 'delete':
        return this.delete(call);
      case 'deletecollection':
        return this.deleteCollection(call);
      default:
        throw new MethodNotAllowedError();
    }
  }

  // ---- reads ----

  private async get(c: Call): Promise<void> {
    const found = await c.store.get(c.info.namespace, c.info.name);
    this.sendOne(c, 200, found);
  }

  private async list(c: Call): Promise<void> {
    const filter = buildFilter(c.def, c.query.get('labelSelector'), c.query.get('fieldSelector'));
    const limit = Math.max(0, Number(c.query.get('limit') ?? 0) || 0);
    const cont = c.query.get('continue');
    const rvParam = c.query.get('resourceVersion');
    const rvMatch = c.query.get('resourceVersionMatch');
    if (rvMatch && rvMatch !== 'NotOlderThan' && rvMatch !== 'Exact') {
      throw new BadRequestError(`invalid resourceVersionMatch: ${rvMatch}`);
    }
    if (rvMatch && !rvParam) {
      throw invalidListOptions('resourceVersionMatch', `resourceVersionMatch is forbidden unless resourceVersion is provided`);
    }
    if (cont && rvParam) {
      throw invalidListOptions('resourceVersion', 'specifying resource version is not allowed when using continue');
    }
    if (rvParam && rvParam !== '0' && !/^\d+$/.test(rvParam)) {
      throw new BadRequestError(`invalid resource version: ${rvParam}`);
    }
    const prefix = c.store.namespacePrefix(c.info.namespace);
    let items: CachedObject[];
    let rv: number;
    let startAfter = '';
    if (cont) {
      const token = decodeContinue(cont, prefix);
      startAfter = token.start;
      rv = token.rv;
    }
    await c.store.fresh();
    if (rvParam && rvParam !== '0') {
      const wanted = Number(rvParam);
      if (rvMatch === 'Exact') {
        throw new ApiError(410, 'Expired', `resourceVersion ${wanted} is not served exactly: the watch cache holds only the current state`);
      }
      if (c.store.cache.rv < wanted && !(await c.store.cache.waitUntil(wanted, 3000))) {
        throw new ApiError(504, 'Timeout', `Too large resource version: ${wanted}, current: ${c.store.cache.rv}`, { retryAfterSeconds: 1 });
      }
    }
    // Pages come from the current cache state after the continuation key; when the collection
    // changed since the first page the newer resourceVersion is reported (best effort, as the
    // cacher serves continuations).
    rv = c.store.cache.rv;
    const page = pageFromCache(c.store, prefix, startAfter, limit, filter);
    items = page.items;
    let next: string | undefined;
    const remaining = page.remaining;
    if (page.more) next = encodeContinue(rv, items[items.length - 1].key, prefix);
    const meta: Record<string, unknown> = { resourceVersion: String(rv) };
    if (next) {
      meta.continue = next;
      if (remaining !== undefined) meta.remainingItemCount = remaining;
    }
    if (c.neg.table) {
      const objs = items.map((o) => toServedVersion(c.def, o.obj));
      return sendObject(c.res, 200, toTable(c.def, objs, { includeObject: c.query.get('includeObject') ?? 'Metadata' }, meta), c.neg.format, this.warningHeaders(c));
    }
    const listKind = c.neg.partialMetadata ? 'PartialObjectMetadataList' : `${c.def.kind}List`;
    const apiVersion = c.neg.partialMetadata ? 'meta.k8s.io/v1' : apiVersionOf(c.def);
    let body: string;
    if (c.neg.partialMetadata) {
      body = JSON.stringify({ kind: listKind, apiVersion, metadata: meta, items: items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.obj.metadata })) });
    } else if (servedAsStored(c.def)) {
      body = `{"kind":${JSON.stringify(listKind)},"apiVersion":${JSON.stringify(apiVersion)},"metadata":${JSON.stringify(meta)},"items":[${items.map((o) => o.json).join(',')}]}`;
    } else {
      body = JSON.stringify({ kind: listKind, apiVersion, metadata: meta, items: items.map((o) => toServedVersion(c.def, o.obj)) });
    }
    sendJsonText(c.res, 200, body, c.neg.format, this.warningHeaders(c));
  }

  private async watch(c: Call): Promise<void> {
    const filter = buildFilter(c.def, c.query.get('labelSelector'), c.query.get('fieldSelector'), c.info.name);
    await serveWatch({
      req: c.req,
      res: c.res,
      def: c.def,
      store: c.store,
      namespace: c.info.namespace,
      filter,
      resourceVersion: c.query.get('resourceVersion') ?? '',
      timeoutSeconds: c.query.get('timeoutSeconds'),
      allowBookmarks: isTrue(c.query.get('allowWatchBookmarks')),
      sendInitialEvents: c.query.get('sendInitialEvents'),
      table: c.neg.table ? { includeObject: c.query.get('includeObject') ?? 'Metadata' } : undefined,
    });
  }

  // ---- writes ----

  private async decodeObject(c: Call): Promise<KubeObject> {
    const body = await readBody(c.req);
    const decoded = decodeBody(body, c.req.headers['content-type']);
    if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded)) {
      throw new BadRequestError('the request body must be a JSON or YAML object');
    }
    const obj = decoded as KubeObject;
    const expectedVersion = apiVersionOf(c.def);
    if (c.info.subresource === 'scale') return obj;
    if (obj.kind === undefined || obj.kind === '') {
      throw new BadRequestError(`Object 'Kind' is missing in '${truncate(body.toString('utf8'))}'`);
    }
    if (obj.apiVersion === undefined || obj.apiVersion === '') {
      throw new BadRequestError(`Object 'apiVersion' is missing in '${truncate(body.toString('utf8'))}'`);
    }
    if (obj.apiVersion !== expectedVersion || obj.kind !== c.def.kind) {
      throw new BadRequestError(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${expectedVersion})`,
      );
    }
    return obj;
  }

  /**
   * `patchValue` is given for a patched object: as upstream's patch handler, an object that
   * does not decode is then a 422 on the field "patch" showing the patch (strategic merge) or
   * the patched document (JSON and merge patches), not the 400 of a create or update.
   */
  private checkSchema(c: Call, obj: KubeObject, patchValue?: () => string): void {
    const mode = fieldValidation(c.query);
    const { typeErrors, unknownFields } = isCustomKind(c.def)
      ? { typeErrors: [], unknownFields: pruneCustomResource(c.def, obj) }
      : this.deps.schema.check(c.def, obj);
    const cannot = `${c.def.kind} in version "${c.def.version}" cannot be handled as a ${c.def.kind}`;
    const invalidPatch = (detail: string) => new InvalidError('', '', '', [
      { type: 'FieldValueInvalid', field: 'patch', message: `Invalid value: ${JSON.stringify(patchValue!())}: ${detail}` },
    ]);
    if (typeErrors.length) {
      if (patchValue) throw invalidPatch(typeErrors[0]);
      throw new BadRequestError(`${cannot}: ${typeErrors[0]}`, typeErrors.map((message) => ({ reason: 'FieldValueInvalid', message })));
    }
    if (!unknownFields.length || mode === 'Ignore') return;
    const unknown = unknownFields.map((f) => `unknown field "${f}"`);
    if (mode === 'Strict') {
      if (patchValue) throw invalidPatch(`strict decoding error: ${unknown.join(', ')}`);
      throw new BadRequestError(`${cannot}: strict decoding error: ${unknown.join(', ')}`,
        unknownFields.map((field) => ({ reason: 'FieldValueInvalid', message: `unknown field "${field}"`, field })));
    }
    c.warnings.push(...unknown);
  }

  private namespaceFor(c: Call, obj: KubeObject): string {
    const meta = (obj.metadata ??= {});
    if (!c.def.namespaced) {
      delete meta.namespace;
      return '';
    }
    const ns = c.info.namespace;
    if (!ns) throw new BadRequestError('the namespace of the object is required for a namespaced resource');
    if (meta.namespace && meta.namespace !== ns) {
      throw new BadRequestError('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = ns;
    return ns;
  }

  private validate(c: Call, obj: KubeObject, old?: KubeObject): void {
    const errors: FieldError[] = [...(c.def.validate?.(obj) ?? [])];
    if (old && c.def.validateUpdate) errors.push(...c.def.validateUpdate(obj, old, c.info.subresource));
    if (errors.length) throw new InvalidError(c.def.kind, c.def.group, obj.metadata?.name ?? '', errors);
  }

  private async runAdmission(c: Call, operation: Operation, obj: KubeObject | undefined, old: KubeObject | undefined, name: string): Promise<void> {
    const attrs = {
      operation, def: c.def, namespace: c.info.namespace, name, subresource: c.info.subresource,
      object: obj, oldObject: old, user: c.user, dryRun: isDryRun(c.query),
    };
    await this.deps.admission.admit(attrs);
    await this.deps.admission.validate(attrs);
  }

  private async create(c: Call): Promise<void> {
    if (c.info.subresource) throw new MethodNotAllowedError();
    const input = await this.decodeObject(c);
    this.checkSchema(c, input);
    const ns = this.namespaceFor(c, input);
    const meta = input.metadata!;
    if (!meta.name && !meta.generateName) {
      throw new InvalidError(c.def.kind, c.def.group, '', [
        { type: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' },
      ]);
    }
    void ns;
    await this.finishCreate(c, input, (obj) => updateManagedFields({
      old: undefined, updated: obj, manager: this.manager(c), apiVersion: apiVersionOf(c.def), type: applyType(c.def),
    }));
  }

  /** Defaults, validates, admits and stores a new object; `track` records its managedFields. */
  private async finishCreate(c: Call, input: KubeObject, track: (obj: KubeObject) => KubeObject): Promise<void> {
    prepareForCreate(c.def, input);
    c.def.prepareForCreate?.(input, c.user);
    c.def.applyDefaults?.(input);
    this.validate(c, input);
    await this.runAdmission(c, 'CREATE', input, undefined, input.metadata!.name);
    const tracked = track(input);
    if (isDryRun(c.query)) return this.sendObj(c, 201, tracked);
    const created = await c.store.create(toStorageVersion(c.def, tracked));
    this.sendOne(c, 201, created);
  }

  private manager(c: Call): string {
    return fieldManagerName(c.query.get('fieldManager') ?? undefined, c.req.headers['user-agent']);
  }

  private async update(c: Call): Promise<void> {
    const input = await this.decodeObject(c);
    this.checkSchema(c, input);
    this.namespaceFor(c, input);
    const name = c.info.name;
    if (input.metadata?.name && input.metadata.name !== name) {
      throw new BadRequestError(`the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`);
    }
    input.metadata!.name = name;
    await this.writeUpdate(c, () => input);
  }

  private async patch(c: Call): Promise<void> {
    const body = await readBody(c.req);
    const type = mediaType(c.req.headers['content-type']);
    if (type === 'application/apply-patch+yaml') return this.apply(c, body);
    if (c.query.has('force')) {
      throw new InvalidError('PatchOptions', 'meta.k8s.io', '', [{ type: 'FieldValueForbidden', field: 'force', message: 'Forbidden: may not be specified for non-apply patch' }]);
    }
    await this.writeUpdate(c, (current) => {
      const patched = applyPatch(type, current, body, `${c.def.group}/${c.def.version}/${c.def.kind}`);
      // The check drops unknown fields, so the patched document is printed before it.
      const document = type === 'application/strategic-merge-patch+json' ? undefined : JSON.stringify(patched);
      this.checkSchema(c, patched, () => document ?? goValueText(decodeBody(body, 'application/json')));
      return patched;
    }, true);
  }

  /**
   * Server-side apply: the configuration's fields become the manager's; conflicts with other
   * managers are 409 unless forced. Applying to a missing object creates it.
   */
  private async apply(c: Call, body: Buffer): Promise<void> {
    const manager = c.query.get('fieldManager');
    if (!manager) {
      throw new InvalidError('PatchOptions', 'meta.k8s.io', '', [{ type: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' }]);
    }
    let applied: unknown;
    try {
      applied = parseYaml(body.toString('utf8'), { maxAliasCount: 100 });
    } catch (e) {
      throw new BadRequestError(`error decoding YAML: ${(e as Error).message.split('\n')[0]}`);
    }
    if (applied === null || typeof applied !== 'object' || Array.isArray(applied)) {
      throw new BadRequestError('the apply configuration must be a YAML or JSON object');
    }
    const force = isTrue(c.query.get('force'));
    const common = { manager, force, apiVersion: apiVersionOf(c.def), kind: c.def.kind, type: applyType(c.def) };
    const exists = await c.store.getLatest(c.info.namespace, c.info.name).then(() => true, (e) => {
      if (e instanceof NotFoundError) return false;
      throw e;
    });
    if (!exists && !c.info.subresource) {
      const config = cloneJson(applied) as KubeObject;
      this.checkSchema(c, config);
      const meta = (config.metadata ??= {});
      if (meta.name && meta.name !== c.info.name) {
        throw new BadRequestError(`the name of the object (${meta.name}) does not match the name on the URL (${c.info.name})`);
      }
      meta.name = c.info.name;
      this.namespaceFor(c, config);
      const { object } = applyConfiguration({ ...common, live: undefined, applied: config });
      return this.finishCreate(c, cloneJson(object), (obj) => obj);
    }
    await this.writeUpdate(c, (current) => {
      const config = cloneJson(applied) as KubeObject;
      this.checkSchema(c, config);
      return applyConfiguration({
        ...common, live: current, applied: config, subresource: c.info.subresource || undefined,
        ignored: resetFieldsFor(c.info.subresource || undefined, c.def.hasStatus === true),
      }).object;
    }, true, true);
  }

  /**
   * Shared path of update and patch: `produce` maps the current object (in the request's
   * version) to the desired one; then strategy, defaults, validation, admission, storage.
   */
  private async writeUpdate(c: Call, produce: (current: KubeObject) => KubeObject, isPatch = false, isApply = false): Promise<void> {
    const { info, def } = c;
    const dryRun = isDryRun(c.query);
    let result: KubeObject | undefined;
    let deleteAfter = false;
    const { object, changed } = await c.store.update(info.namespace, info.name, async (storedCurrent) => {
      const current = toServedVersion(def, storedCurrent);
      let next = produce(cloneJson(current));
      if (isPatch && next.metadata) next.metadata.name = info.name;
      if (next.apiVersion !== apiVersionOf(def) || next.kind !== def.kind) {
        throw new BadRequestError(`the API version in the data (${next.apiVersion}) does not match the expected API version (${apiVersionOf(def)})`);
      }
      if (def.namespaced) (next.metadata ??= {}).namespace = info.namespace;
      const pinnedRv = next.metadata?.resourceVersion;
      // As upstream, /approval (CertificateSigningRequests) writes only status too; the kind's
      // strategy narrows it to the conditions.
      if (info.subresource === 'status' || info.subresource === 'approval') {
        next = prepareForStatusUpdate(next, current);
      } else if (info.subresource === 'finalize') {
        next = { ...cloneJson(current), spec: { ...(current.spec ?? {}), finalizers: next.spec?.finalizers ?? [] } };
      } else {
        // As upstream, defaults apply when the body is decoded, before the strategy compares
        // old and new spec for generation; the uid goes first as defaults may derive from it
        // (a Job's generated selector).
        (next.metadata ??= {}).uid = current.metadata?.uid;
        def.applyDefaults?.(next);
        prepareForUpdate(def, next, current);
      }
      def.prepareForUpdate?.(next, current, info.subresource);
      if (pinnedRv) next.metadata!.resourceVersion = pinnedRv;
      else delete next.metadata!.resourceVersion;
      if (next.metadata?.uid !== current.metadata?.uid && !info.subresource) next.metadata!.uid = current.metadata!.uid;
      this.validate(c, next, current);
      await this.runAdmission(c, 'UPDATE', next, current, info.name);
      if (!isApply) {
        next = updateManagedFields({
          old: current, updated: next, manager: this.manager(c), apiVersion: apiVersionOf(def), type: applyType(def),
          subresource: info.subresource || undefined, ignored: resetFieldsFor(info.subresource || undefined, def.hasStatus === true),
        });
        if (pinnedRv) next.metadata!.resourceVersion = pinnedRv;
      }
      deleteAfter = readyToDelete(def, next);
      result = next;
      if (dryRun) return storedCurrent; // unchanged: nothing is written
      return toStorageVersion(def, next);
    });
    if (dryRun) return this.sendObj(c, 200, withRv(result!, object.rv));
    if (changed && deleteAfter) {
      // The last finalizer is gone from an object being deleted: finish the deletion.
      const gone = await c.store.delete(info.namespace, info.name, object.rv).catch((e) => {
        if (e instanceof ConflictError || e instanceof NotFoundError) return object;
        throw e;
      });
      return this.sendOne(c, 200, gone);
    }
    this.sendOne(c, 200, object);
  }

  private async scale(c: Call): Promise<void> {
    const { def, info } = c;
    if (!def.scale) throw notFoundPage();
    const toScale = (o: KubeObject) => scaleOf(def, o);
    if (info.verb === 'get') {
      const found = await c.store.get(info.namespace, info.name);
      return sendObject(c.res, 200, toScale(toServedVersion(def, found.obj)), c.neg.format);
    }
    if (info.verb !== 'update' && info.verb !== 'patch') throw new MethodNotAllowedError();
    const body = await readBody(c.req);
    const type = mediaType(c.req.headers['content-type']);
    const dryRun = isDryRun(c.query);
    let result: KubeObject | undefined;
    const { object } = await c.store.update(info.namespace, info.name, async (storedCurrent) => {
      const current = toServedVersion(def, storedCurrent);
      const currentScale = toScale(current);
      const wanted: KubeObject = info.verb === 'patch'
        ? applyPatch(type, currentScale, body, 'autoscaling/v1/Scale')
        : (decodeBody(body, c.req.headers['content-type']) as KubeObject);
      const replicas = wanted?.spec?.replicas;
      if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) {
        throw new InvalidError('Scale', 'autoscaling', info.name, [
          { type: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` },
        ]);
      }
      const pinned = wanted?.metadata?.resourceVersion;
      if (pinned && pinned !== currentScale.metadata?.resourceVersion) {
        throw new ConflictError(def.resource, def.group, info.name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      let next = cloneJson(current);
      setPath(next, def.scale!.specReplicasPath, replicas ?? 0);
      prepareForUpdate(def, next, current);
      delete next.metadata!.resourceVersion;
      this.validate(c, next, current);
      await this.runAdmission(c, 'UPDATE', next, current, info.name);
      // As upstream: a scale write owns the replicas field of the main object.
      next = updateManagedFields({
        old: current, updated: next, manager: this.manager(c), apiVersion: apiVersionOf(def), type: applyType(def), subresource: 'scale',
      });
      result = next;
      return dryRun ? storedCurrent : toStorageVersion(def, next);
    });
    const served = dryRun ? withRv(result!, object.rv) : toServedVersion(def, object.obj);
    sendObject(c.res, 200, toScale(served), c.neg.format);
  }

  private async bind(c: Call): Promise<void> {
    const binding = decodeBody(await readBody(c.req), c.req.headers['content-type']) as KubeObject;
    if (isDryRun(c.query)) return sendObject(c.res, 201, successStatus(), c.neg.format);
    sendObject(c.res, 201, await bindPod(c.store, c.info.namespace, c.info.name, binding), c.neg.format);
  }

  private async requestToken(c: Call): Promise<void> {
    const body = decodeBody(await readBody(c.req), c.req.headers['content-type']) as KubeObject;
    const out = await this.deps.tokenRequests!.create(c.info.namespace, c.info.name, body);
    sendObject(c.res, 201, out, c.neg.format);
  }

  private async evict(c: Call): Promise<void> {
    const eviction = decodeBody(await readBody(c.req), c.req.headers['content-type']) as KubeObject;
    const pod = (await c.store.getLatest(c.info.namespace, c.info.name)).obj;
    const options: DeleteOptions = { ...(eviction?.deleteOptions ?? {}) };
    if (c.query.has('dryRun')) options.dryRun = c.query.getAll('dryRun');
    await checkEviction(this.deps.resources, pod, { dryRun: (options.dryRun?.length ?? 0) > 0 });
    await this.deleteOne(c, c.info.namespace, c.info.name, options);
    sendObject(c.res, 201, successStatus(), c.neg.format);
  }

  private async delete(c: Call): Promise<void> {
    const options = await this.deleteOptions(c);
    const { deleted, object } = await this.deleteOne(c, c.info.namespace, c.info.name, options);
    if (deleted && !returnsDeletedObject(c.def)) {
      return sendObject(c.res, 200, successStatus({ name: c.info.name, group: c.def.group || undefined, kind: c.def.resource, uid: object.metadata?.uid }), c.neg.format);
    }
    this.sendObj(c, 200, object);
  }

  private async deleteCollection(c: Call): Promise<void> {
    const options = await this.deleteOptions(c);
    const filter = buildFilter(c.def, c.query.get('labelSelector'), c.query.get('fieldSelector'));
    const { items, rv } = await c.store.list(c.info.namespace);
    const out: KubeObject[] = [];
    for (const item of items) {
      if (filter && !filter(item.obj)) continue;
      const meta = item.obj.metadata!;
      try {
        const { object } = await this.deleteOne(c, meta.namespace ?? '', meta.name, options);
        out.push(object);
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
    }
    sendObject(c.res, 200, { kind: `${c.def.kind}List`, apiVersion: apiVersionOf(c.def), metadata: { resourceVersion: String(rv) }, items: out }, c.neg.format);
  }

  private async deleteOptions(c: Call): Promise<DeleteOptions> {
    const body = await readBody(c.req);
    let opts: DeleteOptions = {};
    if (body.length && body.toString('utf8').trim()) {
      const decoded = decodeBody(body, c.req.headers['content-type'] || 'application/json');
      if (decoded && typeof decoded === 'object') opts = decoded as DeleteOptions;
    }
    const q = c.query;
    if (q.has('gracePeriodSeconds')) opts.gracePeriodSeconds = Number(q.get('gracePeriodSeconds'));
    if (q.has('propagationPolicy')) opts.propagationPolicy = q.get('propagationPolicy')!;
    if (q.has('orphanDependents')) opts.orphanDependents = isTrue(q.get('orphanDependents'));
    if (q.has('dryRun')) opts.dryRun = q.getAll('dryRun');
    if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
      throw new InvalidError('DeleteOptions', '', '', [{ type: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"` }]);
    }
    if (opts.gracePeriodSeconds !== undefined && (!Number.isFinite(opts.gracePeriodSeconds) || opts.gracePeriodSeconds < 0)) {
      opts.gracePeriodSeconds = 0;
    }
    return opts;
  }

  /**
   * Deletes one object as upstream's registry does: preconditions, graceful deletion for
   * pods on a node, finalizers (incl. the propagation policy's) keep the object with a
   * deletionTimestamp, otherwise it is removed.
   */
  private async deleteOne(c: Call, namespace: string, name: string, options: DeleteOptions): Promise<{ deleted: boolean; object: KubeObject }> {
    const { def, store } = c;
    const dryRun = (options.dryRun ?? []).includes('All');
    for (let attempt = 0; attempt < 16; attempt++) {
      const current = await store.getLatest(namespace, name);
      const served = toServedVersion(def, current.obj);
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== served.metadata?.uid) {
        throw new ConflictError(def.resource, def.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${served.metadata?.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== String(current.rv)) {
        throw new ConflictError(def.resource, def.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.rv}`);
      }
      await this.runAdmission({ ...c, info: { ...c.info, namespace } }, 'DELETE', undefined, served, name);
      const pending = pendingDeletion(def, served, options);
      if (!pending) {
        if (dryRun) return { deleted: true, object: served };
        try {
          const gone = await store.delete(namespace, name, current.rv);
          return { deleted: true, object: toServedVersion(def, gone.obj) };
        } catch (e) {
          if (e instanceof ConflictError) continue;
          throw e;
        }
      }
      if (dryRun) return { deleted: false, object: pending };
      try {
        const { object } = await store.update(namespace, name, (latest) => {
          if (String(latest.metadata?.resourceVersion) !== String(current.rv)) {
            throw new ConflictError(def.resource, def.group, name, 'retry');
          }
          const next = toStorageVersion(def, pending);
          delete next.metadata!.resourceVersion;
          return next;
        });
        return { deleted: false, object: toServedVersion(def, object.obj) };
      } catch (e) {
        if (e instanceof ConflictError) continue;
        throw e;
      }
    }
    throw new ConflictError(def.resource, def.group, name, 'too many concurrent writes; try again');
  }

  // ---- responses ----

  private sendOne(c: Call, code: number, o: CachedObject): void {
    if (!c.neg.table && !c.neg.partialMetadata && servedAsStored(c.def)) {
      return sendJsonText(c.res, code, o.json, c.neg.format, this.warningHeaders(c));
    }
    this.sendObj(c, code, toServedVersion(c.def, o.obj));
  }

  private sendObj(c: Call, code: number, obj: KubeObject): void {
    if (c.neg.table) {
      return sendObject(c.res, code, toTable(c.def, [obj], { includeObject: c.query.get('includeObject') ?? 'Metadata' }, { resourceVersion: obj.metadata?.resourceVersion ?? '' }), c.neg.format, this.warningHeaders(c));
    }
    if (c.neg.partialMetadata) {
      return sendObject(c.res, code, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata }, c.neg.format);
    }
    sendObject(c.res, code, obj, c.neg.format, this.warningHeaders(c));
  }

  private warningHeaders(c: Call): Record<string, string> | undefined {
    if (!c.warnings.length) return undefined;
    // As upstream: RFC 7234 warn-code 299, agent "-", quoted text.
    return { Warning: c.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
  }
}

let crdApplyTypes: ApplyTypes | undefined;
const applyTypes = new WeakMap<KindDef, ApplyType>();

/** The schema server-side apply and managedFields follow for a kind. */
function applyType(def: KindDef): ApplyType {
  let t = applyTypes.get(def);
  if (!t) {
    if (isCustomKind(def)) {
      crdApplyTypes ??= new ApplyTypes(builtinDefinitions());
      t = def.schema ? crdApplyTypes.forSchema(def.schema as Record<string, unknown>) : crdApplyTypes.forKind(def.group, def.version, def.kind);
    } else {
      t = applyTypeFor(def.group, def.version, def.kind);
    }
    applyTypes.set(def, t);
  }
  return t;
}

/**
 * One page of a list from the watch cache: objects after `startAfter` (in key order) that
 * pass the filter, at most `limit` (0: all). Without a filter the cache counts what is left.
 */
function pageFromCache(store: ResourceStore, prefix: string, startAfter: string, limit: number, filter: ObjectFilter | undefined): { items: CachedObject[]; more: boolean; remaining?: number } {
  if (!filter) {
    const items = store.cache.list(prefix, startAfter, limit > 0 ? limit + 1 : 0);
    if (limit === 0 || items.length <= limit) return { items, more: false };
    items.length = limit;
    return { items, more: true, remaining: store.cache.count(prefix, items[limit - 1].key) };
  }
  const matched: CachedObject[] = [];
  for (const o of store.cache.list(prefix, startAfter)) {
    if (!filter(o.obj)) continue;
    if (limit > 0 && matched.length === limit) return { items: matched, more: true };
    matched.push(o);
  }
  return { items: matched, more: false };
}

interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

/**
 * The object as it stays while deletion is pending, or undefined when it can go now.
 * Pods bound to a node wait for their kubelet through the grace period; finalizers hold
 * any object; namespaces wait for their spec.finalizers (the namespace controller).
 */
function pendingDeletion(def: KindDef, obj: KubeObject, options: DeleteOptions): KubeObject | undefined {
  const next = cloneJson(obj);
  const meta = next.metadata!;
  let finalizers: string[] = [...(meta.finalizers ?? [])];
  const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : options.orphanDependents === false ? 'Background' : undefined);
  if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
  if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
  if (policy === 'Background') finalizers = finalizers.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
  // As upstream: a CRD is deleted only after its custom resources are (the CRD controller).
  if (def.group === 'apiextensions.k8s.io' && def.resource === 'customresourcedefinitions' && !finalizers.includes(CRD_CLEANUP_FINALIZER)) {
    finalizers.push(CRD_CLEANUP_FINALIZER);
  }
  const isNamespace = def.group === '' && def.resource === 'namespaces';
  const nsFinalizers: string[] = isNamespace ? (next.spec?.finalizers ?? []) : [];
  let grace = 0;
  if (def.group === '' && def.resource === 'pods') {
    const phase = next.status?.phase;
    const terminal = phase === 'Succeeded' || phase === 'Failed';
    if (next.spec?.nodeName && !terminal) grace = options.gracePeriodSeconds ?? next.spec?.terminationGracePeriodSeconds ?? 30;
    if (meta.deletionGracePeriodSeconds !== undefined && grace > meta.deletionGracePeriodSeconds) grace = meta.deletionGracePeriodSeconds;
    if (options.gracePeriodSeconds === 0) grace = 0;
  }
  if (finalizers.length === 0 && nsFinalizers.length === 0 && grace === 0) return undefined;
  meta.finalizers = finalizers.length ? finalizers : undefined;
  if (!finalizers.length) delete meta.finalizers;
  const now = Date.now();
  if (!meta.deletionTimestamp || grace < (meta.deletionGracePeriodSeconds ?? Infinity)) {
    meta.deletionTimestamp = nowTimestamp(new Date(now + grace * 1000));
    meta.deletionGracePeriodSeconds = grace;
  }
  if (isNamespace) next.status = { ...(next.status ?? {}), phase: 'Terminating' };
  return next;
}

/** An update that removed the last finalizer of an object being deleted completes the deletion. */
function readyToDelete(def: KindDef, obj: KubeObject): boolean {
  const meta = obj.metadata ?? {};
  if (!meta.deletionTimestamp) return false;
  if ((meta.finalizers ?? []).length) return false;
  if (def.group === '' && def.resource === 'namespaces') return (obj.spec?.finalizers ?? []).length === 0;
  if (def.group === '' && def.resource === 'pods') return (meta.deletionGracePeriodSeconds ?? 0) === 0;
  return true;
}

/** Kinds whose DELETE answers with the object rather than a Status, as upstream. */
function returnsDeletedObject(def: KindDef): boolean {
  return def.group === '' && (def.resource === 'pods' || def.resource === 'namespaces' || def.resource === 'services');
}

function scaleOf(def: KindDef, o: KubeObject): KubeObject {
  const selector = def.scale!.labelSelectorPath ? getPath(o, def.scale!.labelSelectorPath) : undefined;
  const status: Record<string, unknown> = { replicas: getPath(o, def.scale!.statusReplicasPath) ?? 0 };
  if (selector) {
    // ReplicationControllers select with a plain label map; apps kinds with a LabelSelector.
    status.selector = typeof selector === 'string' ? selector
      : def.kind === 'ReplicationController' ? selectorFromSet(selector).toString()
      : selectorFromLabelSelector(selector).toString();
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: o.metadata?.name,
      namespace: o.metadata?.namespace,
      uid: o.metadata?.uid,
      resourceVersion: o.metadata?.resourceVersion,
      creationTimestamp: o.metadata?.creationTimestamp,
    },
    spec: { replicas: getPath(o, def.scale!.specReplicasPath) ?? 0 },
    status,
  };
}

function getPath(o: KubeObject, path: string): any {
  let cur: any = o;
  for (const p of path.replace(/^\./, '').split('.')) {
    if (cur == null) return undefined;
    cur = cur[p];
  }
  return cur;
}

function setPath(o: KubeObject, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let cur: any = o;
  for (const p of parts.slice(0, -1)) cur = cur[p] ??= {};
  cur[parts[parts.length - 1]] = value;
}

function withRv(o: KubeObject, rv: number): KubeObject {
  const c = cloneJson(o);
  (c.metadata ??= {}).resourceVersion = String(rv);
  return c;
}

export function isDryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) {
    if (v !== 'All') throw new BadRequestError(`Invalid dry run value: ${v}; supported values: All`);
  }
  return values.length > 0;
}

export function fieldValidation(q: URLSearchParams): 'Strict' | 'Warn' | 'Ignore' {
  const v = q.get('fieldValidation');
  if (!v) return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw new BadRequestError(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${v}"`);
}

function invalidListOptions(field: string, message: string): ApiError {
  return new InvalidError('ListOptions', 'meta.k8s.io', '', [{ type: 'FieldValueForbidden', field, message: `Forbidden: ${message}` }]);
}

function notFoundPage(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

export type { ObjectFilter };
