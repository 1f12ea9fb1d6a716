// The kubelet: registers its Node, watches the pods bound to it (and static pods from a
// manifest directory), and drives one serialized worker per pod towards the pod's spec
// through the container runtime. What runs is always read back from the runtime (a relist
// every second, as upstream's PLEG, wakes the worker of any pod whose containers changed),
// so a restarted kubelet adopts what its predecessor started and removes what no longer
// belongs to a pod bound here.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ConfigMap, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/api-client.js';
import type { Clock } from '../client/clock.js';
import { realClock } from '../client/clock.js';
import { EventRecorder } from '../client/event-recorder.js';
import { DeletedFinalStateUnknown } from '../client/indexer.js';
import { InformerFactory } from '../client/informer-factory.js';
import { configMaps, pods, secrets, services } from '../client/resources.js';
import type { SharedIndexInformer } from '../client/shared-informer.js';
import type { IdleGate } from '../client/idle-gate.js';
import type { Logger } from '../logger.js';
import { nullLogger } from '../logger.js';
import type { ContainerRuntime } from './runtime/types.js';
import { PLEG_RELIST_MS, POD_RESYNC_MS } from './constants.js';
import type { PodSources } from './container-env.js';
import { CrashLoopBackoff } from './crash-loop-backoff.js';
import { defaultNodeIP } from './machine-info.js';
import { NodeManager } from './node-manager.js';
import { Periodic } from './periodic.js';
import { PodSyncer } from './pod-sync.js';
import { PodWorkers } from './pod-workers.js';
import { podsDifferSemantically } from './pod-update.js';
import { ProberManager } from './prober/prober-manager.js';
import type { PodRuntimeState } from './runtime-state.js';
import { isRunning, isSteady, latestContainer, readAllRuntimeStates, stateSignature } from './runtime-state.js';
import { deleteMirrorPod, ensureMirrorPod, isMirrorPod, readStaticPods } from './static-pods.js';
import { StatusManager } from './status-manager.js';
import type { StatusTarget } from './status-manager.js';
import { VolumeManager } from './volumes/volume-manager.js';
import { ImageManager } from './images/image-manager.js';
import { ImageGCManager } from './images/image-gc.js';
import type { ImageGCPolicy } from './images/image-gc.js';
import { ContainerLogManager } from './logs/container-log-manager.js';

export interface KubeletOptions {
  nodeName: string;
  runtime: ContainerRuntime;
  /** The kubelet's directory: pods/<uid>/volumes, logs. */
  rootDir: string;
  clock?: Clock;
  logger?: Logger;
  /** Directory of static pod manifests, re-read every 20 s. */
  staticPodDir?: string;
  /** InternalIP of the node (default: the first non-loopback IPv4, else 127.0.0.1). */
  nodeIP?: string;
  labels?: Record<string, string>;
  maxPods?: number;
  clusterDNS?: string[];
  clusterDomain?: string;
  /** The cluster CA, written as ca.crt when the kube-root-ca.crt ConfigMap is missing. */
  caCertPem?: string;
  /** Pod resync period (default 60 s, upstream syncFrequency). */
  resyncMs?: number;
  /** Port of this kubelet's streaming server (logs, exec, attach, port-forward). */
  kubeletPort?: number;
  /** Image GC thresholds (upstream imageGCHigh/LowThresholdPercent, imageMinimumGCAge); runtimes with images only. */
  imageGC?: Partial<ImageGCPolicy>;
  /** Size at which a container's log is rotated: a quantity ("10Mi") or bytes; negative disables (upstream containerLogMaxSize, default 10Mi). */
  containerLogMaxSize?: string | number;
  /** Log files kept per container, the current one included; > 1 (upstream containerLogMaxFiles, default 5). */
  containerLogMaxFiles?: number;
  /** Event writes wait while the process is saturated (client/idle-gate.ts); default: written at once. */
  eventGate?: IdleGate;
}

export type KubeletState = 'INITIALIZED' | 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED';

/** Upstream fileCheckFrequency. */
const STATIC_POD_CHECK_MS = 20_000;

export class Kubelet {
  private state: KubeletState = 'INITIALIZED';
  readonly clock: Clock;
  readonly logger: Logger;
  readonly nodeName: string;
  private readonly runtime: ContainerRuntime;
  private readonly nodeIP: string;
  private readonly recorder: EventRecorder;
  private readonly podInformers: InformerFactory;
  private readonly objectInformers: InformerFactory;
  private readonly podInformer: SharedIndexInformer<Pod>;
  private readonly configMapInformer: SharedIndexInformer<ConfigMap>;
  private readonly secretInformer: SharedIndexInformer<Secret>;
  private readonly serviceInformer: SharedIndexInformer<Service>;
  private readonly nodeManager: NodeManager;
  private readonly statusManager: StatusManager;
  private readonly prober: ProberManager;
  private readonly volumes: VolumeManager;
  private readonly syncer: PodSyncer;
  private readonly workers: PodWorkers;
  private readonly relistLoop: Periodic;
  private readonly staticLoop: Periodic | undefined;
  private readonly imageGC: ImageGCManager | undefined;
  private readonly logManager: ContainerLogManager;
  /** The pods this kubelet should run, by uid: API pods bound here (not mirrors) and static pods. */
  private readonly desired = new Map<string, Pod>();
  private readonly staticPods = new Map<string, Pod>();
  /** The last runtime state seen per pod uid (relist or sync). */
  private readonly observed = new Map<string, PodRuntimeState>();
  private readonly signatures = new Map<string, string>();
  private runtimeName = 'unknown';
  private runtimeVersionText = 'unknown://0';
  private podsSynced = false;

  constructor(private readonly client: ApiClient, private readonly opts: KubeletOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = (opts.logger ?? nullLogger).child({ component: 'kubelet', node: opts.nodeName });
    this.nodeName = opts.nodeName;
    this.runtime = opts.runtime;
    this.nodeIP = opts.nodeIP ?? defaultNodeIP();
    // Upstream's KubeletConfiguration defaults eventRecordQPS 50 and eventBurst 100.
    this.recorder = new EventRecorder(client, { component: 'kubelet', host: opts.nodeName, clock: this.clock, logger: this.logger, writeRate: { qps: 50, burst: 100 }, gate: opts.eventGate });
    // Informers keep real time: their watches and back-offs are about the network, not the pods.
    this.podInformers = new InformerFactory(client, { selectors: { fieldSelector: `spec.nodeName=${opts.nodeName}` }, logger: this.logger });
    this.objectInformers = new InformerFactory(client, { logger: this.logger });
    this.podInformer = this.podInformers.informerFor(pods);
    this.configMapInformer = this.objectInformers.informerFor(configMaps);
    this.secretInformer = this.objectInformers.informerFor(secrets);
    this.serviceInformer = this.objectInformers.informerFor(services);

    this.nodeManager = new NodeManager(client, this.clock, this.logger, {
      nodeName: opts.nodeName,
      nodeIP: this.nodeIP,
      rootDir: opts.rootDir,
      maxPods: opts.maxPods,
      labels: opts.labels,
      kubeletPort: opts.kubeletPort,
      runtimeCheck: async () => {
        try {
          const v = await this.runtime.version();
          this.runtimeName = v.runtimeName;
          this.runtimeVersionText = `${v.runtimeName}://${v.runtimeVersion}`;
          return { version: this.runtimeVersionText, up: true };
        } catch {
          return { version: this.runtimeVersionText, up: false };
        }
      },
    });
    this.statusManager = new StatusManager(client, this.logger);
    const sources: PodSources = {
      configMap: (ns, name) => this.configMapInformer.lister.get(ns, name),
      secret: (ns, name) => this.secretInformer.lister.get(ns, name),
      services: (ns) => this.serviceInformer.lister.listInNamespace(ns),
    };
    this.volumes = new VolumeManager({ rootDir: opts.rootDir, client, sources, nodeAllocatable: () => this.nodeManager.allocatable(), caCertPem: opts.caCertPem });
    this.workers = new PodWorkers((uid) => this.syncPod(uid), this.clock, this.logger);
    this.prober = new ProberManager({
      runtime: this.runtime,
      clock: this.clock,
      recorder: this.recorder,
      logger: this.logger,
      probeHost: (pod) => this.probeHost(pod),
      runningContainer: (uid, name) => {
        const state = this.observed.get(uid);
        const c = state && latestContainer(state, name);
        return c && isRunning(c) ? { id: c.id, startedAt: c.startedAt ?? c.createdAt } : undefined;
      },
      onChange: (uid) => this.workers.enqueue(uid),
    });
    const nodeRef = { kind: 'Node', apiVersion: 'v1', name: opts.nodeName, uid: opts.nodeName };
    // Runtimes with images (cri) pull them per imagePullPolicy and collect unused ones.
    const images = new ImageManager({
      images: this.runtime.images,
      clock: this.clock,
      secret: (ns, name) => this.secretInformer.lister.get(ns, name),
      podEvent: (pod, type, reason, message) => this.recorder.event(
        { kind: 'Pod', apiVersion: 'v1', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid }, type, reason, message),
      logger: this.logger,
    });
    this.imageGC = this.runtime.images ? new ImageGCManager({
      images: this.runtime.images,
      containers: () => this.runtime.listContainers(),
      clock: this.clock,
      policy: opts.imageGC,
      nodeEvent: (type, reason, message) => this.recorder.event(nodeRef, type, reason, message),
      logger: this.logger,
    }) : undefined;
    this.syncer = new PodSyncer({
      images,
      runtime: this.runtime,
      runtimeName: () => this.runtimeName,
      clock: this.clock,
      recorder: this.recorder,
      logger: this.logger,
      volumes: this.volumes,
      prober: this.prober,
      status: this.statusManager,
      backoff: new CrashLoopBackoff(this.clock),
      sources,
      nodeName: opts.nodeName,
      hostIP: () => this.nodeIP,
      nodeAllocatable: () => this.nodeManager.allocatable(),
      sandbox: { logRoot: path.join(opts.rootDir, 'logs', 'pods'), clusterDNS: opts.clusterDNS, clusterDomain: opts.clusterDomain },
      probeHost: (pod) => this.probeHost(pod),
      syncAfter: (uid, ms) => this.workers.enqueueAfter(uid, ms),
      statusTarget: (pod) => this.statusTarget(pod),
      isApiPod: (pod) => !this.staticPods.has(pod.metadata!.uid!),
      observe: (state) => {
        this.observed.set(state.uid, state);
        // A sync has just seen this state: when everything in it runs, the next relist need
        // not wake the pod's worker for it (upstream's PLEG would, for the containers this
        // sync started). An exit, even one this sync saw, still wakes it: that sync may have
        // chosen its actions before the exit.
        if (isSteady(state)) this.signatures.set(state.uid, stateSignature(state));
      },
    });
    this.logManager = new ContainerLogManager({
      runtime: this.runtime,
      clock: this.clock,
      logger: this.logger,
      containerLogMaxSize: opts.containerLogMaxSize,
      containerLogMaxFiles: opts.containerLogMaxFiles,
    });
    this.relistLoop = new Periodic('relist', this.clock, PLEG_RELIST_MS, () => this.relist(), this.logger);
    this.staticLoop = opts.staticPodDir ? new Periodic('static pods', this.clock, STATIC_POD_CHECK_MS, () => this.readStaticPods(), this.logger) : undefined;
  }

  get status(): KubeletState {
    return this.state;
  }

  /** The Node as last written. */
  get node() {
    return this.nodeManager.current;
  }

  async start(): Promise<void> {
    if (this.state !== 'INITIALIZED') throw new Error(`kubelet cannot start from state ${this.state}`);
    this.state = 'STARTING';
    await fs.mkdir(path.join(this.opts.rootDir, 'pods'), { recursive: true });
    await this.nodeManager.start();

    this.podInformer.addEventHandler({
      onAdd: (pod) => this.onPod(pod),
      onUpdate: (old, pod) => this.onPod(pod, old),
      onDelete: (obj) => this.onPodDeleted(obj instanceof DeletedFinalStateUnknown ? obj.obj : obj),
    }, this.opts.resyncMs ?? POD_RESYNC_MS);
    const onObject = (obj: ConfigMap | Secret | DeletedFinalStateUnknown<ConfigMap | Secret>) => {
      const o = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
      this.onVolumeSourceChanged(o.metadata?.namespace ?? '');
    };
    this.configMapInformer.addEventHandler({ onUpdate: (_o, n) => onObject(n), onAdd: (o, initial) => !initial && onObject(o), onDelete: onObject });
    this.secretInformer.addEventHandler({ onUpdate: (_o, n) => onObject(n), onAdd: (o, initial) => !initial && onObject(o), onDelete: onObject });
    this.podInformers.start();
    this.objectInformers.start();
    await Promise.all([this.podInformers.waitForSync(), this.objectInformers.waitForSync()]);
    if (this.staticLoop) await this.readStaticPods();
    this.podsSynced = true;
    for (const uid of this.desired.keys()) this.workers.enqueue(uid);
    this.relistLoop.start(0);
    this.staticLoop?.start(STATIC_POD_CHECK_MS);
    this.imageGC?.start();
    this.logManager.start();
    this.state = 'RUNNING';
    this.logger.info('kubelet started', { runtime: this.runtimeVersionText });
  }

  /** Stops watching and syncing. Containers keep running (a restarted kubelet adopts them). Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'STOPPED' || this.state === 'STOPPING') return;
    this.state = 'STOPPING';
    await this.relistLoop.stop();
    await this.staticLoop?.stop();
    await this.imageGC?.stop();
    await this.logManager.stop();
    await this.nodeManager.stop();
    this.prober.stop();
    await this.workers.stop();
    await Promise.all([this.podInformers.stop(), this.objectInformers.stop()]);
    await this.recorder.stop();
    this.state = 'STOPPED';
  }

  /** Resolves when no pod sync runs or is queued (tests). */
  idle(): Promise<void> {
    return this.workers.idle();
  }

  /** Relists the runtime now and waits for the syncs it caused (tests). */
  async relistNow(): Promise<void> {
    await this.relistLoop.runNow();
    await this.workers.idle();
  }

  /** Recomputes and posts the node status now (tests, and on change). */
  updateNodeStatusNow(): Promise<void> {
    return this.nodeManager.updateNow();
  }

  flushEvents(): Promise<void> {
    return this.recorder.flush();
  }

  private probeHost(pod: Pod): string {
    // As upstream, probes go to the pod IP (with the process runtime, the pod's loopback address).
    const sb = this.observed.get(pod.metadata?.uid ?? '')?.sandboxes[0];
    return sb?.ip ?? pod.status?.podIP ?? '127.0.0.1';
  }

  private onPod(pod: Pod, old?: Pod): void {
    if (isMirrorPod(pod)) {
      // A mirror changed or appeared: the static pod's worker checks it.
      const s = [...this.staticPods.values()].find((p) => p.metadata?.namespace === pod.metadata?.namespace && p.metadata?.name === pod.metadata?.name);
      if (s) this.workers.enqueue(s.metadata!.uid!);
      return;
    }
    const uid = pod.metadata?.uid;
    if (!uid) return;
    this.desired.set(uid, pod);
    // As upstream's pod config: the echo of the kubelet's own status write is no reason to sync.
    if (old && !podsDifferSemantically(old, pod) && this.statusManager.isOwnWrite(uid, pod.status)) return;
    if (this.podsSynced) this.workers.enqueue(uid);
  }

  private onPodDeleted(pod: Pod): void {
    if (isMirrorPod(pod)) {
      const s = [...this.staticPods.values()].find((p) => p.metadata?.namespace === pod.metadata?.namespace && p.metadata?.name === pod.metadata?.name);
      if (s) this.workers.enqueue(s.metadata!.uid!);
      return;
    }
    const uid = pod.metadata?.uid;
    if (!uid || this.staticPods.has(uid)) return;
    this.desired.delete(uid);
    if (this.podsSynced) this.workers.enqueue(uid);
  }

  /** A ConfigMap or Secret changed: refresh the volumes of the pods in its namespace that project files. */
  private onVolumeSourceChanged(namespace: string): void {
    if (!this.podsSynced) return;
    for (const [uid, pod] of this.desired) {
      if (pod.metadata?.namespace !== namespace) continue;
      if ((pod.spec?.volumes ?? []).some((v) => v.configMap || v.secret || v.projected)) this.workers.enqueue(uid);
    }
  }

  private mirrorOf(pod: Pod): Pod | undefined {
    const m = this.podInformer.lister.get(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
    return m && isMirrorPod(m) ? m : undefined;
  }

  private statusTarget(pod: Pod): StatusTarget | undefined {
    if (this.staticPods.has(pod.metadata!.uid!)) {
      const mirror = this.mirrorOf(pod);
      if (!mirror || mirror.metadata?.deletionTimestamp) return undefined;
      return { namespace: mirror.metadata!.namespace!, name: mirror.metadata!.name!, uid: mirror.metadata!.uid!, current: mirror.status };
    }
    const current = this.podInformer.lister.get(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
    return {
      namespace: pod.metadata!.namespace!,
      name: pod.metadata!.name!,
      uid: pod.metadata!.uid!,
      current: current?.metadata?.uid === pod.metadata?.uid ? current?.status : undefined,
    };
  }

  private async syncPod(uid: string): Promise<void> {
    const pod = this.desired.get(uid);
    if (!pod) {
      await this.syncer.cleanUpPod(uid);
      this.observed.delete(uid);
      this.signatures.delete(uid);
      this.workers.forget(uid);
      return;
    }
    if (this.staticPods.has(uid) && this.nodeManager.current) {
      await ensureMirrorPod(this.client, pod, this.mirrorOf(pod), this.nodeManager.current);
    }
    await this.syncer.syncPod(pod);
  }

  /** Upstream's PLEG relist: wake the workers of pods whose containers changed, and of orphans. */
  private async relist(): Promise<void> {
    const states = await readAllRuntimeStates(this.runtime);
    for (const [uid, state] of states) {
      this.observed.set(uid, state);
      const sig = stateSignature(state);
      if (this.signatures.get(uid) === sig && this.desired.has(uid)) continue;
      this.signatures.set(uid, sig);
      this.workers.enqueue(uid);
    }
    for (const uid of [...this.observed.keys()]) {
      if (!states.has(uid) && !this.desired.has(uid)) {
        this.observed.delete(uid);
        this.signatures.delete(uid);
      }
    }
    // Pod directories left by pods that are gone (their runtime objects already removed).
    for (const uid of await this.volumes.podDirs()) {
      if (!this.desired.has(uid) && !states.has(uid)) this.workers.enqueue(uid);
    }
  }

  private async readStaticPods(): Promise<void> {
    const found = await readStaticPods(this.opts.staticPodDir!, this.nodeName, this.clock.now());
    const seen = new Set<string>();
    for (const pod of found) {
      const uid = pod.metadata!.uid!;
      seen.add(uid);
      if (this.staticPods.has(uid)) continue;
      this.staticPods.set(uid, pod);
      this.desired.set(uid, pod);
      if (this.podsSynced) this.workers.enqueue(uid);
    }
    for (const [uid, pod] of this.staticPods) {
      if (seen.has(uid)) continue;
      this.staticPods.delete(uid);
      this.desired.delete(uid);
      const mirror = this.mirrorOf(pod);
      // The mirror goes unless a newer version of the manifest took its name over.
      if (mirror && !found.some((p) => p.metadata?.name === pod.metadata?.name && p.metadata?.namespace === pod.metadata?.namespace)) await deleteMirrorPod(this.client, mirror);
      this.workers.enqueue(uid);
    }
  }
}

/** Creates and starts a kubelet; `coxswain up` and `coxswain agent` call this. */
export async function startKubelet(client: ApiClient, opts: KubeletOptions): Promise<Kubelet> {
  const k = new Kubelet(client, opts);
  await k.start();
  return k;
}
