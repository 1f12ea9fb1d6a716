// The API server: HTTPS front, request pipeline (authenticate → authorize → route → verb
// handler with admission and storage), discovery, OpenAPI and health endpoints.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store } from '../store/types.js';
import type { KindDef } from '../api/kinds.js';
import { builtinKinds, groupPreferredVersions } from '../api/registry.js';
import { ApiError, ForbiddenError, UnauthorizedError } from '../api/errors.js';
import { parseRequestInfo, type RequestInfo } from './request-info.js';
import { ANONYMOUS, ClientCertAuthenticator, UnionAuthenticator, type Authenticator, type UserInfo } from './authn.js';
import { AllowAllAuthorizer, type Authorizer } from './authz.js';
import { AdmissionChain, type AdmissionPlugin } from './admission/types.js';
import { NamespaceLifecycle } from './admission/namespace-lifecycle.js';
import { DefaultTolerationSeconds } from './admission/default-tolerations.js';
import { PriorityAdmission } from './admission/priority.js';
import { DefaultIngressClass } from './admission/default-ingress-class.js';
import { ServiceAllocation } from './admission/service-allocation.js';
import { KubernetesServiceController } from './kubernetes-service.js';
import { ServiceAccountAdmission } from './admission/service-account.js';
import {
  ephemeralSigningKeyPem, JWKS_PATH, jwks, OIDC_CONFIGURATION_PATH, openIdConfiguration, ServiceAccountTokenAuthenticator,
  ServiceAccountTokenIssuer, signingKeyFromPem, TokenRequestHandler,
} from './serviceaccount/index.js';
import { ResourceRegistry } from './resources.js';
import { RestHandler } from './handlers/rest.js';
import { PodProxy, isPodStreamRequest, writeUpgradeError, type KubeletClientConfig } from './handlers/pod-proxy.js';
import { Discovery } from './handlers/discovery.js';
import { sendError, sendObject, sendRaw } from './http.js';
import { noSchemaChecker, type SchemaChecker } from './schema-check.js';
import { bootstrapCluster } from './bootstrap.js';
import { dispatchLocal, LOCAL_USER, type LocalRequest, type LocalResponse } from './local.js';
import { CrdController } from './crd/crd-controller.js';
import { loadOpenApi, type OpenApiDocuments } from './openapi-routes.js';
import type { Logger } from '../logger.js';
import { nullLogger } from '../logger.js';

export interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface ApiServerOptions {
  store: Store;
  bindAddress?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Omit for plain HTTP (tests and in-process use only). */
  tls?: TlsMaterial;
  kinds?: KindDef[];
  authenticator?: Authenticator;
  authorizer?: Authorizer;
  extraAdmission?: AdmissionPlugin[];
  logger?: Logger;
  /** tolerationSeconds the DefaultTolerationSeconds admission gives (default 300, as upstream). */
  defaultTolerationSeconds?: number;
  /** Address the `kubernetes` Service's endpoints advertise (default: bind address and port). */
  advertiseAddress?: string;
  /** Client certificate for kubelets' streaming servers (logs, exec, port-forward); else plain HTTP. */
  kubeletClient?: KubeletClientConfig;
  /** PEM private key that signs service-account tokens (pki's sa.key); a fresh one per start if omitted. */
  serviceAccountKeyPem?: string;
  /** `iss` of service-account tokens and the API audience (default https://kubernetes.default.svc.cluster.local). */
  serviceAccountIssuer?: string;
  /** Run the ServiceAccount admission plugin (default SA must exist; token volume injected), as upstream. */
  serviceAccountAdmission?: boolean;
  /** Upstream --service-cluster-ip-range (default 10.43.0.0/16); the `kubernetes` Service gets its first address. */
  serviceClusterIPRange?: string;
  /** Upstream --service-node-port-range (default 30000-32767). */
  serviceNodePortRange?: string;
  /** How often the `kubernetes` Service and its endpoints are checked (default 10 s, as upstream). */
  kubernetesServiceIntervalMs?: number;
}

/** The server's version, as /version reports it (the Kubernetes API level Coxswain follows). */
export const SERVER_VERSION = {
  major: '1',
  minor: '30',
  gitVersion: 'v1.30.0+coxswain',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '2026-11-22T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'tsc',
  platform: `${process.platform === 'win32' ? 'windows' : process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

type State = 'INITIALIZED' | 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED';

export class ApiServer {
  readonly resources: ResourceRegistry;
  private readonly rest: RestHandler;
  private readonly podProxy: PodProxy;
  private discoveryCache: { generation: number; discovery: Discovery } | undefined;
  private readonly crdController: CrdController;
  private readonly authenticator: Authenticator;
  readonly tokenIssuer: ServiceAccountTokenIssuer;
  private readonly authorizer: Authorizer;
  private readonly logger: Logger;
  private readonly server: http.Server | https.Server;
  private openapi: OpenApiDocuments | undefined;
  private state: State = 'INITIALIZED';
  private readonly sockets = new Set<import('node:net').Socket>();
  private readonly serviceAllocation: ServiceAllocation;
  private kubernetesService: KubernetesServiceController | undefined;

  constructor(private readonly opts: ApiServerOptions) {
    const kinds = opts.kinds ?? builtinKinds;
    this.logger = opts.logger ?? nullLogger;
    this.resources = new ResourceRegistry(opts.store, kinds);
    this.tokenIssuer = new ServiceAccountTokenIssuer({
      key: signingKeyFromPem(opts.serviceAccountKeyPem ?? ephemeralSigningKeyPem()),
      issuer: opts.serviceAccountIssuer,
    });
    // As upstream's authenticator order: client certificates, then bearer tokens.
    this.authenticator = new UnionAuthenticator([
      opts.authenticator ?? new ClientCertAuthenticator(),
      new ServiceAccountTokenAuthenticator(this.tokenIssuer, this.resources, this.logger.child({ component: 'serviceaccount-authn' })),
    ]);
    this.authorizer = opts.authorizer ?? new AllowAllAuthorizer();
    this.serviceAllocation = new ServiceAllocation(this.resources, {
      serviceClusterIPRange: opts.serviceClusterIPRange,
      serviceNodePortRange: opts.serviceNodePortRange,
    });
    // As upstream's default admission order: lifecycle, then mutating defaults; Service
    // allocation last, where upstream's registry does it, after every mutating plugin.
    const admission = new AdmissionChain([
      new NamespaceLifecycle(this.resources),
      ...(opts.serviceAccountAdmission ? [new ServiceAccountAdmission(this.resources)] : []),
      new DefaultTolerationSeconds(opts.defaultTolerationSeconds, opts.defaultTolerationSeconds),
      new PriorityAdmission(this.resources),
      new DefaultIngressClass(this.resources),
      ...(opts.extraAdmission ?? []),
      this.serviceAllocation,
    ]);
    this.openapi = loadOpenApi(() => this.resources.kinds);
    const schema: SchemaChecker = this.openapi?.schemaChecker ?? noSchemaChecker;
    this.crdController = new CrdController(this.resources, this.logger.child({ component: 'crd-controller' }));
    this.podProxy = new PodProxy({ resources: this.resources, kubeletClient: opts.kubeletClient });
    this.rest = new RestHandler({
      resources: this.resources, admission, schema, podProxy: this.podProxy,
      tokenRequests: new TokenRequestHandler(this.resources, this.tokenIssuer),
    });
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = opts.tls
      ? https.createServer({
          key: opts.tls.keyPem,
          cert: opts.tls.certPem,
          ca: opts.tls.caPem,
          requestCert: true,
          rejectUnauthorized: false,
        }, handler)
      : http.createServer(handler);
    this.server.keepAliveTimeout = 65_000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => void this.handleUpgrade(req, socket, head));
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      else socket.destroy();
    });
  }

  async start(): Promise<void> {
    if (this.state !== 'INITIALIZED') throw new Error(`cannot start an API server that is ${this.state}`);
    this.state = 'STARTING';
    await this.resources.start();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 6443, this.opts.bindAddress ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    }).catch((e) => {
      this.resources.stop();
      this.state = 'STOPPED';
      throw e;
    });
    await this.crdController.start();
    await bootstrapCluster(this.resources);
    this.kubernetesService = new KubernetesServiceController(this.resources, {
      serviceIP: this.serviceAllocation.allocator.ipRange.ipAt(0),
      advertiseAddress: this.opts.advertiseAddress ?? this.address.host,
      port: this.address.port,
      intervalMs: this.opts.kubernetesServiceIntervalMs,
      logger: this.logger.child({ component: 'kubernetes-service' }),
    });
    await this.kubernetesService.start();
    this.state = 'RUNNING';
    this.logger.info('api server listening', { url: this.url });
  }

  async stop(): Promise<void> {
    if (this.state === 'STOPPED' || this.state === 'STOPPING' || this.state === 'INITIALIZED') {
      this.state = 'STOPPED';
      return;
    }
    this.state = 'STOPPING';
    await this.kubernetesService?.stop();
    this.crdController.stop();
    this.resources.stop();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
    this.state = 'STOPPED';
  }

  get address(): { host: string; port: number } {
    const a = this.server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  get url(): string {
    const { host, port } = this.address;
    const h = host.includes(':') ? `[${host}]` : host;
    return `${this.opts.tls ? 'https' : 'http'}://${h}:${port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    let info: RequestInfo | undefined;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
      const user = await this.authenticate(req, url.pathname);
      const decision = await this.authorizer.authorize(user, info);
      if (!decision.allowed) {
        throw new ForbiddenError(`User "${user.name}" cannot ${info.verb} resource "${info.resource}" in API group "${info.group}"${info.namespace ? ` in the namespace "${info.namespace}"` : ''}`);
      }
      if (info.isResourceRequest) {
        await this.rest.handle(req, res, info, url.searchParams, user);
      } else {
        this.serveNonResource(req, res, url);
      }
    } catch (err) {
      const apiErr = sendError(res, err);
      if (apiErr.code >= 500) {
        this.logger.error('request failed', { method: req.method, path: req.url, error: err instanceof Error ? err.stack : String(err) });
      }
    } finally {
      if (!res.writableEnded && !res.headersSent) sendError(res, new ApiError(500, 'InternalError', 'no response'));
      this.logger.debug('request', {
        verb: info?.verb, path: req.url, code: res.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      });
    }
  }

  /** Upgrade requests (WebSocket, SPDY): only pods/exec, attach and portforward, authorized as `handle()` does. */
  private async handleUpgrade(req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
      const user = await this.authenticate(req, url.pathname);
      const decision = await this.authorizer.authorize(user, info);
      if (!decision.allowed) {
        throw new ForbiddenError(`User "${user.name}" cannot ${info.verb} resource "${info.resource}/${info.subresource}" in API group "${info.group}"${info.namespace ? ` in the namespace "${info.namespace}"` : ''}`);
      }
      if (!isPodStreamRequest(info) || info.subresource === 'log') throw new ApiError(400, 'BadRequest', 'the requested resource does not support an upgrade');
      await this.podProxy.serveUpgrade(req, socket, head, info, url.searchParams);
    } catch (err) {
      writeUpgradeError(socket, err);
    }
  }

  /** Discovery of the kinds served now (rebuilt when CRDs change them). */
  private get discovery(): Discovery {
    const generation = this.resources.generation;
    if (this.discoveryCache?.generation !== generation) {
      this.discoveryCache = { generation, discovery: new Discovery([...this.resources.kinds], groupPreferredVersions) };
    }
    return this.discoveryCache.discovery;
  }

  /** Waits until CRD changes made so far are served (tests). */
  async crdsIdle(): Promise<void> {
    await this.crdController.idle();
  }

  /** Serves a request from a component in this process (see local.ts). */
  handleLocal(req: LocalRequest): Promise<LocalResponse> {
    return dispatchLocal((r, s) => this.handle(r, s), req);
  }

  private async authenticate(req: IncomingMessage, path: string): Promise<UserInfo> {
    const local = (req as IncomingMessage & { [LOCAL_USER]?: UserInfo })[LOCAL_USER];
    if (local) return local;
    const user = await this.authenticator.authenticate(req);
    if (user) return user;
    // As upstream's system:public-info-viewer: health and version need no credentials.
    if (isPublicPath(path)) return ANONYMOUS;
    throw new UnauthorizedError();
  }

  private serveNonResource(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const accept = req.headers.accept ?? '';
    if (req.method !== 'GET' && req.method !== 'HEAD') throw notFound();
    if (path === '/healthz' || path === '/livez' || path === '/readyz' || /^\/(healthz|livez|readyz)\/[\w-]+$/.test(path)) {
      return sendRaw(res, 200, 'text/plain; charset=utf-8', 'ok');
    }
    if (path === '/version') return sendObject(res, 200, SERVER_VERSION);
    // Service account issuer discovery (upstream serves these to authenticated callers).
    if (path === OIDC_CONFIGURATION_PATH) return sendObject(res, 200, openIdConfiguration(this.tokenIssuer, `${this.url}${JWKS_PATH}`));
    if (path === JWKS_PATH) return sendRaw(res, 200, 'application/jwk-set+json', JSON.stringify(jwks(this.tokenIssuer)));
    if (path === '/api') {
      const agg = aggregatedVersion(accept);
      if (agg) return sendAggregated(res, this.discovery.aggregated('api', agg), agg);
      return sendObject(res, 200, this.discovery.apiVersions(`${this.address.host}:${this.address.port}`));
    }
    if (path === '/apis') {
      const agg = aggregatedVersion(accept);
      if (agg) return sendAggregated(res, this.discovery.aggregated('apis', agg), agg);
      return sendObject(res, 200, this.discovery.apiGroupList());
    }
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'api' && parts.length === 2) {
      const doc = this.discovery.resourceList('', parts[1]);
      if (doc) return sendObject(res, 200, doc);
    }
    if (parts[0] === 'apis' && parts.length === 2) {
      const doc = this.discovery.apiGroup(parts[1]);
      if (doc) return sendObject(res, 200, doc);
    }
    if (parts[0] === 'apis' && parts.length === 3) {
      const doc = this.discovery.resourceList(parts[1], parts[2]);
      if (doc) return sendObject(res, 200, doc);
    }
    if (parts[0] === 'openapi' && this.openapi) {
      if (this.openapi.serve(req, res, parts.slice(1), url)) return;
    }
    if (path === '/') {
      return sendObject(res, 200, { paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/openapi/v2', '/openapi/v3', '/readyz', '/version'] });
    }
    throw notFound();
  }
}

function isPublicPath(path: string): boolean {
  return /^\/(healthz|livez|readyz|version)(\/.*)?$/.test(path);
}

function notFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

function aggregatedVersion(accept: string): 'v2' | 'v2beta1' | undefined {
  for (const opt of accept.split(',')) {
    if (!opt.includes('g=apidiscovery.k8s.io') || !opt.includes('as=APIGroupDiscoveryList')) continue;
    if (/v=v2beta1/.test(opt)) return 'v2beta1';
    if (/v=v2(;|$|\s)/.test(opt)) return 'v2';
  }
  return undefined;
}

function sendAggregated(res: ServerResponse, doc: object, version: 'v2' | 'v2beta1'): void {
  sendRaw(res, 200, `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`, JSON.stringify(doc));
}
