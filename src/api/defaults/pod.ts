// Pod and pod template defaults, after upstream core/v1 SetDefaults_Pod, SetDefaults_PodSpec,
// SetDefaults_Container, SetDefaults_Probe, SetDefaults_Volume and friends.
import type { KubeObject } from '../kinds.js';
import { Quantity } from '../quantity.js';
import { defaultPersistentVolumeClaimSpec } from './storage.js';
import { child, items, setDefault, type Obj } from './set-default.js';

/** Image tag as upstream parsers.ParseImageName sees it: "latest" when neither tag nor digest is given. */
export function imageTag(image: string): string {
  if (image.includes('@')) {
    const beforeDigest = image.slice(0, image.indexOf('@'));
    const lastPart = beforeDigest.slice(beforeDigest.lastIndexOf('/') + 1);
    return lastPart.includes(':') ? lastPart.slice(lastPart.indexOf(':') + 1) : '';
  }
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  return lastPart.includes(':') ? lastPart.slice(lastPart.indexOf(':') + 1) : 'latest';
}

function defaultHTTPGet(handler: Obj | undefined): void {
  const get = handler?.httpGet as Obj | undefined;
  if (!get) return;
  setDefault(get, 'path', '/');
  setDefault(get, 'scheme', 'HTTP');
}

function defaultProbe(probe: Obj | undefined): void {
  if (!probe || typeof probe !== 'object') return;
  setDefault(probe, 'timeoutSeconds', 1);
  setDefault(probe, 'periodSeconds', 10);
  setDefault(probe, 'successThreshold', 1);
  setDefault(probe, 'failureThreshold', 3);
  defaultHTTPGet(probe);
  if (probe.grpc) setDefault(probe.grpc, 'service', '');
}

function defaultEnv(container: Obj): void {
  for (const env of items(container, 'env')) {
    const fieldRef = env.valueFrom?.fieldRef as Obj | undefined;
    if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
  }
}

export function defaultContainer(c: Obj): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(String(c.image ?? '')) === 'latest' ? 'Always' : 'IfNotPresent';
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  // Go serialises the non-pointer resources struct, so upstream always shows `resources: {}`.
  child(c, 'resources');
  for (const port of items(c, 'ports')) setDefault(port, 'protocol', 'TCP');
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHTTPGet(c.lifecycle?.postStart);
  defaultHTTPGet(c.lifecycle?.preStop);
  defaultEnv(c);
}

function defaultDownwardAPIItems(list: Obj[]): void {
  for (const item of list) if (item.fieldRef) setDefault(item.fieldRef, 'apiVersion', 'v1');
}

/** Keys of a Volume that are not a volume source. */
const nonSourceKeys = new Set(['name']);

export function defaultVolume(v: Obj): void {
  // Upstream SetDefaults_Volume: a volume without any source is an emptyDir.
  if (!Object.keys(v).some((k) => !nonSourceKeys.has(k) && v[k] !== undefined && v[k] !== null)) v.emptyDir = {};
  if (v.secret) setDefault(v.secret, 'defaultMode', 420);
  if (v.configMap) setDefault(v.configMap, 'defaultMode', 420);
  if (v.downwardAPI) {
    setDefault(v.downwardAPI, 'defaultMode', 420);
    defaultDownwardAPIItems(items(v.downwardAPI, 'items'));
  }
  if (v.projected) {
    setDefault(v.projected, 'defaultMode', 420);
    for (const source of items(v.projected, 'sources')) {
      if (source.serviceAccountToken) setDefault(source.serviceAccountToken, 'expirationSeconds', 3600);
      if (source.downwardAPI) defaultDownwardAPIItems(items(source.downwardAPI, 'items'));
    }
  }
  if (v.hostPath) setDefault(v.hostPath, 'type', '');
  if (v.ephemeral?.volumeClaimTemplate?.spec) defaultPersistentVolumeClaimSpec(v.ephemeral.volumeClaimTemplate.spec);
}

/** SetDefaults_PodSpec: applies to pods and to every pod template. */
export function defaultPodSpec(spec: Obj): void {
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'schedulerName', 'default-scheduler');
  // The v1 conversion mirrors the deprecated serviceAccount field from serviceAccountName.
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const c of items(spec, 'containers')) defaultContainer(c);
  for (const c of items(spec, 'initContainers')) defaultContainer(c);
  for (const c of items(spec, 'ephemeralContainers')) defaultContainer(c);
  for (const v of items(spec, 'volumes')) defaultVolume(v);
}

export function defaultPodTemplateSpec(template: Obj | undefined): void {
  if (!template || typeof template !== 'object') return;
  defaultPodSpec(child(template, 'spec'));
}

/** Upstream: for pods (not templates), requests default to limits for resources without a request. */
function defaultRequestsFromLimits(c: Obj): void {
  const limits = c.resources?.limits as Obj | undefined;
  if (!limits || Object.keys(limits).length === 0) return;
  const requests = child(c.resources, 'requests');
  for (const [name, q] of Object.entries(limits)) setDefault(requests, name, q);
}

function defaultHostNetworkPorts(containers: Obj[]): void {
  for (const c of containers) {
    for (const p of items(c, 'ports')) if (!p.hostPort) p.hostPort = p.containerPort;
  }
}

/** QoS class as upstream qos.GetPodQOS computes it (over containers and init containers). */
export function podQOSClass(spec: Obj): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const all = [...items(spec, 'containers'), ...items(spec, 'initContainers')];
  let anySet = false;
  let guaranteed = true;
  for (const c of all) {
    const requests = (c.resources?.requests ?? {}) as Obj;
    const limits = (c.resources?.limits ?? {}) as Obj;
    const nonZero = (v: unknown) => !(Quantity.tryParse(v)?.isZero() ?? true);
    if (['cpu', 'memory'].some((r) => nonZero(requests[r]) || nonZero(limits[r]))) anySet = true;
    for (const r of ['cpu', 'memory']) {
      const lim = Quantity.tryParse(limits[r]);
      const req = Quantity.tryParse(requests[r] ?? limits[r]);
      if (!lim || !req || lim.cmp(req) !== 0 || lim.isZero()) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export function defaultPod(pod: KubeObject): void {
  const spec = child(pod, 'spec');
  for (const c of [...items(spec, 'containers'), ...items(spec, 'initContainers')]) defaultRequestsFromLimits(c);
  setDefault(spec, 'enableServiceLinks', true);
  if (spec.hostNetwork) defaultHostNetworkPorts([...items(spec, 'containers'), ...items(spec, 'initContainers')]);
  defaultPodSpec(spec);
  // Upstream sets the service account in admission; doing it here keeps one code path.
  if (!spec.serviceAccountName) {
    spec.serviceAccountName = 'default';
    spec.serviceAccount = 'default';
  }
  // Upstream podStrategy.PrepareForCreate: a new pod is Pending with a computed QoS class.
  const status = child(pod, 'status');
  setDefault(status, 'phase', 'Pending');
  setDefault(status, 'qosClass', podQOSClass(spec));
}

export function defaultPodTemplate(obj: KubeObject): void {
  defaultPodTemplateSpec(obj.template);
}
