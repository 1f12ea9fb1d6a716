// The built-in Ingress controller: watches Ingresses, IngressClasses, Services, EndpointSlices
// and Secrets, and serves the Ingresses of its class on an HTTP and/or HTTPS listener as a
// reverse proxy (see route-table.ts for the routing rules, http-proxy.ts for the proxying).
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import type { ApiClient } from '../client/api-client.js';
import { deletionHandlingKey, metaNamespaceKey } from '../client/indexer.js';
import { EventRecorder } from '../client/event-recorder.js';
import { InformerFactory } from '../client/informer-factory.js';
import { Lister } from '../client/lister.js';
import { endpointSlices, ingresses, secrets, services } from '../client/resources.js';
import type { Logger } from '../logger.js';
import { nullLogger } from '../logger.js';
import { BackendResolver, SLICES_BY_SERVICE_INDEX, slicesByService } from './backend-resolver.js';
import { CertificateStore } from './certificate-store.js';
import type { CertificatePair } from './default-certificate.js';
import { createDefaultCertificate } from './default-certificate.js';
import { errorPage } from './error-pages.js';
import { IngressProxy } from './http-proxy.js';
import { DEFAULT_CLASS_NAME, IngressClassFilter, ensureIngressClass, ingressClasses } from './ingress-class.js';
import { RouteTable } from './route-table.js';
import { IngressStatusUpdater } from './status-updater.js';

export { INGRESS_CONTROLLER_NAME, DEFAULT_CLASS_NAME } from './ingress-class.js';

export interface ListenAddress {
  address: string;
  port: number;
}

export interface IngressControllerOptions {
  /** Plain HTTP listener (e.g. 0.0.0.0:80); none when absent. */
  http?: ListenAddress;
  /** HTTPS listener (e.g. 0.0.0.0:443); none when absent. */
  https?: ListenAddress;
  /** The IngressClass we create if missing (default `coxswain`). */
  className?: string;
  /**
   * Published in status.loadBalancer.ingress of served Ingresses. Default: the listener's
   * address, or 127.0.0.1 when it listens on every address. An empty list publishes nothing.
   */
  nodeAddresses?: string[];
  logger?: Logger;
  /** Served when no TLS entry covers the SNI name; made self-signed at start when absent. */
  defaultCertificate?: CertificatePair;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
}

export interface IngressController {
  /** Where the listeners are bound (the actual port when 0 was asked). */
  readonly http?: ListenAddress;
  readonly https?: ListenAddress;
  /** Closes the listeners and every proxied connection, and stops watching. Idempotent. */
  stop(): Promise<void>;
}

const CLASS_RETRY_MS = 5_000;
const CLASS_CACHE_WAIT_MS = 5_000;

export async function startIngressController(client: ApiClient, opts: IngressControllerOptions): Promise<IngressController> {
  const logger = (opts.logger ?? nullLogger).child({ component: 'ingress-controller' });
  const className = opts.className ?? DEFAULT_CLASS_NAME;
  const factory = new InformerFactory(client, { logger });
  const ingressInformer = factory.informerFor(ingresses);
  const classInformer = factory.informerFor(ingressClasses);
  const serviceInformer = factory.informerFor(services);
  const sliceInformer = factory.informerFor(endpointSlices, { indexers: { [SLICES_BY_SERVICE_INDEX]: slicesByService } });
  const secretInformer = opts.https ? factory.informerFor(secrets) : undefined;
  const ingressLister = new Lister<Ingress>(ingressInformer.indexer);
  const secretLister = secretInformer ? new Lister<Secret>(secretInformer.indexer) : undefined;

  const certificates = opts.https ? new CertificateStore(opts.defaultCertificate ?? (await createDefaultCertificate()), logger) : undefined;
  let filter = new IngressClassFilter([]);
  let routes = RouteTable.build([]);
  /** Secrets the served Ingresses name: changes to others need no rebuild. */
  let referencedSecrets = new Set<string>();

  const rebuild = () => {
    filter = new IngressClassFilter(classInformer.indexer.list());
    const served = ingressLister.list().filter((i) => filter.serves(i));
    routes = RouteTable.build(served);
    referencedSecrets = new Set(served.flatMap((i) => (i.spec?.tls ?? []).map((t) => `${i.metadata?.namespace}/${t.secretName}`)));
    if (certificates && secretLister) certificates.rebuild(served, secretLister);
    logger.debug('routes rebuilt', { ingresses: served.length });
  };
  // Coalesce bursts of changes (a relist, many slices) into one rebuild.
  let rebuildPending = false;
  const scheduleRebuild = () => {
    if (rebuildPending) return;
    rebuildPending = true;
    setImmediate(() => {
      rebuildPending = false;
      rebuild();
    });
  };

  const nodeAddresses = opts.nodeAddresses ?? defaultNodeAddresses(opts);
  const status = new IngressStatusUpdater(client, ingressLister, (i) => filter.serves(i), nodeAddresses, logger);
  const publish = nodeAddresses.length > 0;

  const recorder = new EventRecorder(client, { component: 'coxswain-ingress-controller', logger });
  // As ingress-nginx: a Normal "Sync" event when a served Ingress is added or its spec changes.
  const announce = (ing: Ingress) => {
    if (!filter.serves(ing)) return;
    const m = ing.metadata ?? {};
    const ref = { kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', namespace: m.namespace, name: m.name, uid: m.uid, resourceVersion: m.resourceVersion };
    recorder.event(ref, 'Normal', 'Sync', 'Scheduled for sync');
  };

  ingressInformer.addEventHandler({
    onAdd: (obj, initial) => {
      scheduleRebuild();
      // Announced after the rebuild (queued first) has settled which Ingresses are ours.
      if (!initial) setImmediate(() => announce(obj));
      if (publish) status.enqueue(metaNamespaceKey(obj));
    },
    onUpdate: (old, obj) => {
      scheduleRebuild();
      if (old.metadata?.generation !== obj.metadata?.generation) setImmediate(() => announce(obj));
      if (publish) status.enqueue(metaNamespaceKey(obj));
    },
    onDelete: () => scheduleRebuild(),
  });
  let classSeen: (() => void) | undefined;
  const classChanged = (obj: unknown) => {
    if (classSeen && (obj as { metadata?: { name?: string } }).metadata?.name === className) classSeen();
    scheduleRebuild();
    // The class filter is rebuilt first (setImmediate above), then each Ingress is looked at again.
    if (publish) setImmediate(() => ingressLister.list().forEach((i) => status.enqueue(metaNamespaceKey(i))));
  };
  classInformer.addEventHandler({ onAdd: classChanged, onUpdate: classChanged, onDelete: classChanged });
  secretInformer?.addEventHandler({
    onAdd: (s) => referencedSecrets.has(metaNamespaceKey(s)) && scheduleRebuild(),
    onUpdate: (_o, s) => referencedSecrets.has(metaNamespaceKey(s)) && scheduleRebuild(),
    onDelete: (s) => referencedSecrets.has(deletionHandlingKey(s)) && scheduleRebuild(),
  });

  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 64 });
  const proxy = new IngressProxy({
    routes: () => routes,
    resolver: new BackendResolver(new Lister<Service>(serviceInformer.indexer), sliceInformer.indexer),
    agent,
    logger,
    connectTimeoutMs: opts.connectTimeoutMs,
    readTimeoutMs: opts.readTimeoutMs,
  });

  let stopped = false;
  let classRetry: NodeJS.Timeout | undefined;
  const servers: http.Server[] = [];
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(classRetry);
    const closed = Promise.all(servers.map((s) => closeServer(s)));
    // After the listeners stop accepting: a server's close waits for upgraded sockets too.
    proxy.closeTunnels();
    await closed;
    agent.destroy();
    await status.stop();
    await recorder.stop();
    await factory.stop();
  };

  try {
    factory.start();
    await factory.waitForSync();
    rebuild();

    // Resolves once the class informer has our class, so that routes built at start include
    // the Ingresses of a class we have just created (bounded: the API may be slow or refuse).
    const classInCache = new Promise<void>((resolve) => {
      if (classInformer.indexer.getByKey(className)) resolve();
      classSeen = resolve;
      setTimeout(resolve, CLASS_CACHE_WAIT_MS).unref();
    });
    const ensureClass = async () => {
      try {
        const result = await ensureIngressClass(client, className);
        if (result === 'created') logger.info('created IngressClass', { ingressClass: className });
        await classInCache;
        classSeen = undefined;
        rebuild();
      } catch (err) {
        if (stopped) return;
        logger.warn('could not ensure the IngressClass; will retry', { ingressClass: className, error: (err as Error).message });
        classRetry = setTimeout(() => void ensureClass(), CLASS_RETRY_MS);
      }
    };
    await ensureClass();
    if (publish) status.start();

    const result: { http?: ListenAddress; https?: ListenAddress } = {};
    if (opts.http) {
      const server = http.createServer((req, res) => guard(res, () => proxy.handleRequest('http', req, res), logger));
      server.on('upgrade', (req, socket, head) => proxy.handleUpgrade('http', req, socket, head));
      servers.push(server);
      result.http = await listen(server, opts.http);
    }
    if (opts.https && certificates) {
      const server = https.createServer(
        { SNICallback: certificates.sniCallback, secureContext: certificates.defaultContext },
        (req, res) => guard(res, () => proxy.handleRequest('https', req, res), logger),
      );
      server.on('upgrade', (req, socket, head) => proxy.handleUpgrade('https', req, socket, head));
      servers.push(server);
      result.https = await listen(server, opts.https);
    }
    logger.info('ingress controller serving', { ingressClass: className, http: result.http, https: result.https });
    return { ...result, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function defaultNodeAddresses(opts: IngressControllerOptions): string[] {
  const address = opts.http?.address ?? opts.https?.address;
  if (!address) return [];
  return address === '0.0.0.0' || address === '::' || address === '' ? ['127.0.0.1'] : [address];
}

/** An unexpected throw while setting up a proxied request becomes a 500, not a crash. */
function guard(res: http.ServerResponse, fn: () => void, logger: Logger): void {
  try {
    fn();
  } catch (err) {
    logger.error('proxy failed', { error: (err as Error).message });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const { body, headers } = errorPage(500);
    res.writeHead(500, headers).end(body);
  }
}

function listen(server: http.Server, at: ListenAddress): Promise<ListenAddress> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.address, () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      resolve({ address: addr.address, port: addr.port });
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
