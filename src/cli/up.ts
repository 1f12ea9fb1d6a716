// `coxswain up`: everything for a single-node cluster in this process (DESIGN.md §1).
// Steps run in order; each registers how to undo itself, so a failure part-way (or stop())
// leaves no port bound, no store open and no lock held.
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { ApiServer } from '../apiserver/server.js';
import { buildAdminKubeconfig, writeKubeconfig } from '../apiserver/kubeconfig.js';
import { ensurePki, type Pki } from '../apiserver/pki.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { DataDirLockedError, lockDataDir } from './data-dir-lock.js';
import { startComponents } from './components.js';
import { inProcessClient } from '../client/connect.js';
import { createLogger } from '../logger.js';
import { startKubelet } from '../kubelet/kubelet.js';
import { ProcessRuntime } from '../kubelet/runtime/process/index.js';
import { SimRuntime } from '../kubelet/runtime/sim/index.js';
import { startCriRuntime } from '../kubelet/runtime/cri/runtime.js';
import type { ContainerRuntime } from '../kubelet/runtime/types.js';
import { nodes, pods } from '../client/resources.js';
import { StreamingServer } from '../kubelet/streaming/server.js';
import { RuntimeStreamingBackend } from '../kubelet/runtime-streaming-backend.js';
import { silentProgress, type Progress } from './progress.js';
import { ClientCertAuthenticator, UnionAuthenticator } from '../apiserver/authn.js';
import { NodeJoin } from '../apiserver/bootstrap-token/node-join.js';
import { certificateControllers } from '../controllers/certificates/index.js';
import { rootCaCertControllers } from '../controllers/rootcacert/index.js';
import { ControllerManager } from '../controllers/manager.js';
import { startServiceProxy } from '../proxy/index.js';
import { startIngressController } from '../ingress/index.js';
import { startClusterDNS } from '../dns/index.js';
import { ensureKubeDnsService } from '../dns/kube-dns-service.js';
import { IpRange } from '../net/ip-range.js';
import { NODE_DNS_ADDRESS } from '../kubelet/runtime/cri/network/pod-network.js';
import { installDefaultImages } from '../kubelet/runtime/cri/images/install-defaults.js';
import { PAUSE_IMAGE } from '../kubelet/runtime/cri/images/default-images.js';
import { startTcpRelay } from '../net/tcp-relay.js';
import { sharedIdleGate } from '../client/idle-gate.js';
import { processRuntimeDirs, removeProcessRuntimeState } from '../kubelet/runtime/process/state-dir.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface UpOptions {
  dataDir: string;
  port: number;
  bindAddress: string;
  /** `sqlite://…` (default: sqlite at `<dataDir>/state.db`), `memory://`, `etcd://…`. */
  datastore?: string;
  /** The local kubelet's container runtime: `process` (default), `sim` or `cri`. */
  runtime?: string;
  /** For `cri`: an existing runtime's socket (`unix:///…`); without it a managed containerd is started. */
  containerRuntimeEndpoint?: string;
  logLevel?: LogLevel;
  progress?: Progress;
  /** Aborting between steps undoes what was done and rejects with an UpError. */
  signal?: AbortSignal;
  /** Controllers to run (`--controllers`, default all); an empty list runs none. */
  controllers?: string[];
  /** Run the scheduler (default true). */
  scheduler?: boolean;
  /** Simulated nodes to register (`--sim-nodes`). */
  simNodes?: number;
  /** Run a kubelet for this machine (default true). */
  kubelet?: boolean;
  /** The kubelet's node name (default: this machine's hostname). */
  nodeName?: string;
  /** ClusterIP range (`--service-cidr`); default 10.43.0.0/16 with the cri runtime, else the loopback 127.43.0.0/16. */
  serviceCIDR?: string;
  /** NodePort range (`--service-node-port-range`, default 30000-32767). */
  serviceNodePortRange?: string;
  /** Run the cluster DNS server (default true). */
  dns?: boolean;
  /** Run the ingress controller on these ports (0: any free one) of the bind address; none: no ingress. */
  ingress?: { httpPort: number; httpsPort: number };
}

export interface RunningCluster {
  /** The URL clients use (loopback when bound to all addresses). */
  readonly url: string;
  readonly kubeconfigPath: string;
  readonly dataDir: string;
  /** The token agents join with: `coxswain agent --server <url> --token <joinToken>`. */
  readonly joinToken: string;
  /** Where the ingress controller answers, when it runs. */
  readonly ingress?: { url: string }[];
  /** Stops the API server, closes the store and releases the data dir. Idempotent. */
  stop(): Promise<void>;
}

/** A start-up failure with a message that says what to do next. */
export class UpError extends Error {
  override readonly name = 'UpError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Pod addresses with the cri runtime (DESIGN.md §4); each node gets a /24 of it. */
export const CLUSTER_CIDR = '10.42.0.0/16';

/** Pod addresses with the process runtime: loopback, one per pod, on the host's network. */
export const PROCESS_POD_CIDR = '127.42.0.0/16';

export const CLUSTER_DOMAIN = 'cluster.local';

/**
 * Where the process-mode DNS server listens: the pod range's gateway address, which no pod
 * gets; the kube-dns Service's ClusterIP forwards to it.
 */
export const PROCESS_DNS_ADDRESS = '127.42.0.1';

export const KUBECONFIG_FILE_NAME = 'kubeconfig.yaml';
export const TLS_DIR_NAME = 'tls';

export async function runUp(opts: UpOptions): Promise<RunningCluster> {
  const progress = opts.progress ?? silentProgress;
  const dataDir = resolve(opts.dataDir);
  const undo: Array<() => Promise<void>> = [];
  const undoAll = async (): Promise<void> => {
    // Reverse order; keep going past a failing step so the lock is always released last.
    let first: unknown;
    for (const step of undo.splice(0).reverse()) {
      await step().catch((err: unknown) => {
        first ??= err;
      });
    }
    if (first !== undefined) throw first;
  };

  const step = async <T>(
    text: string,
    run: () => Promise<T>,
    explain: (err: unknown) => string,
    doneText?: () => string,
  ): Promise<T> => {
    if (opts.signal?.aborted) throw new UpError('interrupted while starting');
    progress.start(text);
    try {
      const result = await run();
      progress.succeed(doneText?.());
      return result;
    } catch (err) {
      progress.fail();
      throw err instanceof UpError ? err : new UpError(explain(err), { cause: err });
    }
  };

  /**
   * A step whose address may be taken (another cluster on this machine, a web server on port
   * 80): the cluster starts without it, and the line says why and what to do.
   */
  const optionalStep = async <T>(text: string, run: () => Promise<T>, explain: (err: unknown) => string): Promise<T | undefined> => {
    try {
      return await step(text, run, explain);
    } catch (err) {
      const code = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
      if (code !== 'EADDRINUSE' && code !== 'EACCES') throw err;
      progress.fail(`${text}: skipped — ${(err as Error).message}`);
      return undefined;
    }
  };

  try {
    const lock = await step(`Locking data dir ${dataDir}`, () => lockDataDir(dataDir), (err) =>
      err instanceof DataDirLockedError
        ? err.message
        : `cannot use data dir ${dataDir}: ${message(err)}; pass a writable --data-dir`,
    );
    undo.push(() => lock.release());

    const serviceCIDR = opts.serviceCIDR ?? (opts.runtime === 'cri' ? '10.43.0.0/16' : '127.43.0.0/16');
    const serviceRange = serviceRangeOf(serviceCIDR);
    // As kubeadm and k3s: cluster DNS at the tenth address of the service range.
    const clusterDNS = serviceRange.ipAt(9);

    const tlsDir = join(dataDir, TLS_DIR_NAME);
    const pki: Pki = await step(
      'Preparing certificates',
      // Pods reach the API server at the `kubernetes` Service's ClusterIP, the range's first address.
      () => ensurePki(tlsDir, { hosts: [...servingHostsFor(opts.bindAddress), serviceRange.ipAt(0)] }),
      (err) => `cannot prepare certificates in ${tlsDir}: ${message(err)}; remove that directory to regenerate them`,
    );

    const store: Store = await step(
      `Opening datastore ${opts.datastore ?? 'sqlite'}`,
      () => openStore(opts.datastore, dataDir),
      (err) => `cannot open the datastore: ${message(err)}`,
    );
    undo.push(() => store.close());

    const logger = createLogger(opts.logLevel ?? 'warn');
    // Agents join with a bootstrap token and get a node certificate through a CSR (issue 6).
    const nodeJoin = new NodeJoin(logger.child({ component: 'node-join' }));
    const server = new ApiServer({
      store,
      authenticator: new UnionAuthenticator([new ClientCertAuthenticator(), ...nodeJoin.authenticators]),
      bindAddress: opts.bindAddress,
      port: opts.port,
      tls: { caPem: pki.caCertPem, certPem: pki.serverCertPem, keyPem: pki.serverKeyPem },
      logger: logger.child({ component: 'apiserver' }),
      // In process and sim mode ClusterIPs are loopback addresses the userspace proxy can bind (DESIGN.md §4).
      serviceClusterIPRange: serviceCIDR,
      // Service-account tokens signed with the data dir's key survive restarts; pods get the
      // kube-api-access volume, as upstream's ServiceAccount admission adds it.
      serviceAccountKeyPem: pki.serviceAccountKeyPem,
      serviceAccountAdmission: true,
      // cri pods cannot reach loopback: the kubernetes Service points at the node-local link
      // address, where a relay (or the server itself, bound to all addresses) answers.
      advertiseAddress: opts.runtime === 'cri' && opts.kubelet !== false ? NODE_DNS_ADDRESS : undefined,
      serviceNodePortRange: opts.serviceNodePortRange,
    });
    await step(
      `Starting API server on ${formatHostPort(opts.bindAddress, opts.port)}`,
      () => server.start(),
      (err) => explainListenError(err, opts.bindAddress, opts.port),
      () => `API server listening on ${server.url}`,
    );
    undo.push(() => server.stop());

    // In-process components use the same API through the server's local transport.
    const local = (name: string) => inProcessClient((req) => server.handleLocal(req), { name, groups: ['system:authenticated'] });

    const joinUrl = clientUrl(server.url, opts.bindAddress);
    const joinToken = await step('Preparing the join token', () => nodeJoin.start(local('system:kube-apiserver'), { dataDir, serverUrl: joinUrl, caPem: pki.caCertPem }),
      (err) => `cannot prepare the join token: ${message(err)}`);
    undo.push(() => nodeJoin.stop());
    // The CSR signer needs the CA key, which only this process holds (kube-controller-manager's --cluster-signing-*-file).
    const csrControllers = new ControllerManager({ client: local('system:kube-controller-manager'), factories: {
      ...certificateControllers(pki),
      // With all controllers (the default) only: runs that pick controllers by name get those alone.
      ...(opts.controllers === undefined || opts.controllers.includes('*') ? rootCaCertControllers(pki.caCertPem) : {}),
    }, logger: logger.child({ component: 'controller-manager' }) });
    await csrControllers.start();
    undo.push(() => csrControllers.stop());
    const what = [
      opts.controllers?.length === 0 ? '' : 'controllers',
      opts.scheduler === false ? '' : 'scheduler',
      opts.simNodes ? `${opts.simNodes} simulated node(s)` : '',
    ].filter(Boolean);
    if (what.length) {
      const components = await step(
        `Starting ${what.join(', ')}`,
        () => startComponents(
          { controllerManager: local('system:kube-controller-manager'), scheduler: local('system:kube-scheduler'), sim: local('system:node:sim') },
          {
            controllers: opts.controllers, scheduler: opts.scheduler, simNodes: opts.simNodes, logger,
            // Node podCIDRs only for cri pods: process-mode pods get loopback addresses from their runtime.
            clusterCIDR: opts.runtime === 'cri' ? CLUSTER_CIDR : undefined,
          },
        ),
        (err) => `cannot start the cluster components: ${message(err)}`,
      );
      undo.push(() => components.stop());
    }

    if (opts.kubelet !== false) {
      const nodeName = opts.nodeName ?? nodeNameFromHostname(hostname());
      const runtimeName = opts.runtime === 'sim' || opts.runtime === 'cri' ? opts.runtime : 'process';
      let runtime: ContainerRuntime;
      let stopRuntime: () => Promise<void>;
      let setPodCIDR: ((cidr: string) => Promise<void>) | undefined;
      if (runtimeName === 'cri') {
        const podClient = local(`system:node:${nodeName}`);
        const cri = await step(
          opts.containerRuntimeEndpoint ? `Connecting to ${opts.containerRuntimeEndpoint}` : 'Starting containerd and the pod network',
          () => startCriRuntime({
            dataDir, endpoint: opts.containerRuntimeEndpoint, logger: logger.child({ component: 'cri' }),
            // The pod's spec for what the runtime-neutral configs do not carry (security context, requests).
            podSpec: (m) => podClient.resource(pods, m.namespace).get(m.name),
          }),
          (err) => `cannot start the cri runtime: ${message(err)}`,
        );
        undo.push(() => cri.stop());
        // The offline images (pause for every sandbox, busybox for the examples) come with us,
        // as no registry is reachable: import them once, when the runtime lacks them.
        if (!(await cri.runtime.images.imageStatus(PAUSE_IMAGE).catch(() => undefined))) {
          await step('Importing the pause and busybox images', () => installDefaultImages({
            endpoint: cri.endpoint, snapshotter: cri.snapshotter, archiveDir: join(dataDir, 'images'),
          }), (err) => `cannot import the default images: ${message(err)}; is busybox-static installed (apt-get install -y busybox-static)?`);
        }
        // Pods reach the API server through the kubernetes Service; the server listens on
        // loopback, so the node-local link address (also the DNS server's) relays to it.
        const relay = await startTcpRelay({ host: NODE_DNS_ADDRESS, port: server.address.port }, { host: '127.0.0.1', port: server.address.port })
          .catch((err: unknown) => {
            // Bound to all addresses, the API server already answers there.
            if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return undefined;
            throw new UpError(`cannot relay ${NODE_DNS_ADDRESS}:${server.address.port} to the API server: ${message(err)}`);
          });
        if (relay) undo.push(() => relay.stop());
        runtime = cri.runtime;
        stopRuntime = async () => undefined; // cri.stop() above runs after the kubelet's stop
        setPodCIDR = (cidr) => cri.setPodCIDR(cidr);
      } else {
        const hostRuntime = runtimeName === 'sim' ? new SimRuntime() : new ProcessRuntime({ ...processRuntimeDirs(dataDir), podCIDR: PROCESS_POD_CIDR });
        runtime = hostRuntime;
        stopRuntime = async () => {
          await hostRuntime.stopAll();
          // Nothing runs any more: its memory-backed records go too (disk left-overs are
          // cleared by the next start).
          if (runtimeName === 'process') removeProcessRuntimeState(dataDir);
        };
      }
      // The streaming server (logs, exec, attach, port-forward) listens on loopback; the API
      // server reaches it at the node's InternalIP and kubeletEndpoint port.
      const streaming = new StreamingServer({ backend: new RuntimeStreamingBackend(runtime), bindAddress: '127.0.0.1', port: 0, logger: logger.child({ component: 'kubelet-streaming' }) });
      await streaming.start();
      undo.push(() => streaming.stop());
      const kubelet = await step(
        `Starting kubelet on node ${nodeName} (${runtimeName} runtime)`,
        () => startKubelet(local(`system:node:${nodeName}`), {
          kubeletPort: streaming.address.port,
          nodeName, runtime, rootDir: join(dataDir, 'kubelet'), caCertPem: pki.caCertPem,
          // Process-mode pods share the host network; the node is reached on loopback only.
          nodeIP: '127.0.0.1',
          // cri pods have their own network namespace and resolv.conf: ClusterFirst names the
          // kube-dns Service (process-mode pods use the host's resolver).
          ...(runtimeName === 'cri' && opts.dns !== false ? { clusterDNS: [clusterDNS], clusterDomain: CLUSTER_DOMAIN } : {}),
          logger: logger.child({ component: 'kubelet' }),
          eventGate: sharedIdleGate(),
        }),
        (err) => `cannot start the kubelet: ${message(err)}`,
      );
      // A clean stop ends the pods' processes; after a crash a new kubelet adopts them.
      undo.push(async () => {
        await kubelet.stop();
        await stopRuntime();
      });
      if (runtimeName === 'cri') {
        // kube-proxy's job for a node whose pods have their own addresses: iptables rules
        // (DNAT to pod IPs on the bridge). NodePorts on every local address but loopback, as
        // upstream's default --nodeport-addresses (the node IP, cni0's gateway address).
        const proxy = await step(
          'Starting the service proxy (iptables)',
          () => startServiceProxy(local('system:kube-proxy'), { mode: 'iptables', nodeName, nodeAddresses: [], clusterCIDR: CLUSTER_CIDR, logger: logger.child({ component: 'proxy' }) }),
          (err) => `cannot start the service proxy: ${message(err)}`,
        );
        undo.push(() => proxy.stop());
      } else {
        // kube-proxy's job for this node. Process-mode ClusterIPs are loopback addresses the
        // userspace proxy binds; NodePorts and load balancer ports answer on the node address.
        const proxy = await step(
          'Starting the service proxy (userspace)',
          () => startServiceProxy(local('system:kube-proxy'), { mode: 'userspace', nodeName, nodeAddresses: ['127.0.0.1'], logger: logger.child({ component: 'proxy' }) }),
          (err) => `cannot start the service proxy: ${message(err)}`,
        );
        undo.push(() => proxy.stop());
      }
      if (setPodCIDR) {
        // The CNI config follows the node's spec.podCIDR once the node IPAM controller sets it.
        const nodeClient = local(`system:node:${nodeName}`).resource(nodes);
        const timer = setInterval(() => {
          nodeClient.get(nodeName).then(async (n) => { if (n.spec?.podCIDR) await setPodCIDR(n.spec.podCIDR); }, () => undefined)
            .catch((err: unknown) => logger.warn('updating the pod CIDR failed', { err: String(err) }));
        }, 2_000);
        undo.push(async () => clearInterval(timer));
      }
    }

    // Process-mode pods use the host's resolver, so there the cluster DNS serves the host
    // (`dig @127.43.0.10 web.default.svc.cluster.local`). cri pods get the kube-dns ClusterIP
    // in resolv.conf; the iptables rules DNAT it to the link-local address the pod network
    // put on the coxswain0 dummy (as NodeLocal DNSCache's 169.254.20.10), which is this host's.
    const criDNS = opts.runtime === 'cri' && opts.kubelet !== false;
    if (opts.dns !== false && (criDNS || (opts.runtime !== 'cri' && opts.runtime !== 'sim'))) {
      const endpoint = criDNS
        ? { address: NODE_DNS_ADDRESS, port: 53 }
        : { address: PROCESS_DNS_ADDRESS, port: process.getuid?.() === 0 ? 53 : 1053 };
      const dns = await optionalStep(
        `Starting cluster DNS on ${clusterDNS}`,
        async () => {
          const server = await startClusterDNS(local('system:kube-dns'), { listen: [endpoint], clusterDomain: CLUSTER_DOMAIN, logger: logger.child({ component: 'dns' }) });
          try {
            await ensureKubeDnsService(local('system:kube-dns'), { clusterIP: clusterDNS, endpoint });
          } catch (err) {
            await server.stop();
            throw err;
          }
          return server;
        },
        (err) => `cannot start cluster DNS on ${endpoint.address}:${endpoint.port}: ${message(err)}; pass --no-dns to run without it`,
      );
      if (dns) undo.push(() => dns.stop());
    }

    let ingressUrls: { url: string }[] | undefined;
    if (opts.ingress) {
      const { httpPort, httpsPort } = opts.ingress;
      const ingress = await optionalStep(
        'Starting the ingress controller',
        () => startIngressController(local('system:ingress-controller'), {
          http: { address: opts.bindAddress, port: httpPort },
          https: { address: opts.bindAddress, port: httpsPort },
          nodeAddresses: [isUnspecified(opts.bindAddress) ? '127.0.0.1' : opts.bindAddress],
          logger: logger.child({ component: 'ingress' }),
        }),
        (err) => (err as NodeJS.ErrnoException).code === 'EADDRINUSE' || (err as NodeJS.ErrnoException).code === 'EACCES'
          ? `the ingress controller cannot listen on ${opts.bindAddress}:${httpPort}/${httpsPort} (${(err as NodeJS.ErrnoException).code}); pass --ingress-http-port/--ingress-https-port or --no-ingress`
          : `cannot start the ingress controller: ${message(err)}`,
      );
      if (ingress) undo.push(() => ingress.stop());
      const host = formatHostPort(isUnspecified(opts.bindAddress) ? '127.0.0.1' : opts.bindAddress, 0).replace(/:0$/, '');
      ingressUrls = [
        ...(ingress?.http ? [{ url: `http://${host}:${ingress.http.port}` }] : []),
        ...(ingress?.https ? [{ url: `https://${host}:${ingress.https.port}` }] : []),
      ];
    }

    const url = clientUrl(server.url, opts.bindAddress);
    const kubeconfigPath = join(dataDir, KUBECONFIG_FILE_NAME);
    await step(
      'Writing kubeconfig',
      () =>
        writeKubeconfig(
          kubeconfigPath,
          buildAdminKubeconfig({ server: url, caPem: pki.caCertPem, certPem: pki.adminCertPem, keyPem: pki.adminKeyPem }),
        ),
      (err) => `cannot write ${kubeconfigPath}: ${message(err)}`,
    );
    if (opts.signal?.aborted) throw new UpError('interrupted while starting');

    let stopping: Promise<void> | undefined;
    return {
      url,
      kubeconfigPath,
      dataDir,
      joinToken,
      ingress: ingressUrls,
      // The kubeconfig stays: users keep KUBECONFIG pointing at it across restarts.
      stop: () => (stopping ??= undoAll()),
    };
  } catch (err) {
    await undoAll().catch(() => undefined);
    throw err;
  }
}

/**
 * Names for the serving certificate beyond the defaults: this machine's hostname and the
 * bind address, or every interface address when bound to all of them.
 */
export function servingHostsFor(bindAddress: string): string[] {
  const hosts = [hostname()];
  if (isUnspecified(bindAddress)) {
    for (const addresses of Object.values(networkInterfaces())) {
      for (const a of addresses ?? []) if (!a.address.startsWith('fe80:')) hosts.push(a.address.split('%')[0]!);
    }
  } else {
    hosts.push(bindAddress);
  }
  return hosts;
}

/** A node name is a lowercase DNS subdomain, as the kubelet derives it from the hostname. */
export function nodeNameFromHostname(host: string): string {
  const name = host.toLowerCase().replace(/[^a-z0-9.-]/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return name || 'localhost';
}

function serviceRangeOf(cidr: string): IpRange {
  try {
    return new IpRange(cidr);
  } catch (err) {
    throw new UpError(`--service-cidr ${cidr}: ${message(err)}; pass an IPv4 range such as 10.43.0.0/16`);
  }
}

function isUnspecified(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '';
}

/** A server bound to all addresses is reached over loopback from this machine. */
function clientUrl(serverUrl: string, bindAddress: string): string {
  if (!isUnspecified(bindAddress)) return serverUrl;
  const url = new URL(serverUrl);
  url.hostname = '127.0.0.1';
  return url.toString().replace(/\/$/, '');
}

function explainListenError(err: unknown, bindAddress: string, port: number): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return `port ${port} is in use on ${bindAddress}; stop what is listening there or pass --port <n>`;
    case 'EACCES':
      return `not allowed to listen on ${bindAddress}:${port}; pass a --port above 1023 or run with privileges`;
    case 'EADDRNOTAVAIL':
      return `${bindAddress} is not an address of this machine; pass --bind-address with a local address`;
    default:
      return `cannot start the API server on ${formatHostPort(bindAddress, port)}: ${message(err)}`;
  }
}

function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
