// Static pods: Pod manifests (YAML or JSON) in a directory, run by this kubelet whatever the
// API says, and mirrored to the API as read-only "mirror pods" so kubectl can see them
// (upstream's config/file.go and mirror_client.go). As upstream: the pod is named
// <name>-<nodeName>, its uid is a hash of the manifest and the node, and it carries the
// annotations kubernetes.io/config.source=file, config.hash; its mirror carries config.mirror.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { parseAllDocuments } from 'yaml';
import type { ApiClient } from '../client/api-client.js';
import { isAlreadyExists, isNotFound } from '../client/errors.js';
import { pods } from '../client/resources.js';
import { ANNOTATION_CONFIG_HASH, ANNOTATION_CONFIG_MIRROR, ANNOTATION_CONFIG_SEEN, ANNOTATION_CONFIG_SOURCE } from './constants.js';

export function isMirrorPod(pod: Pod): boolean {
  return !!pod.metadata?.annotations?.[ANNOTATION_CONFIG_MIRROR];
}

export function isStaticPod(pod: Pod): boolean {
  return pod.metadata?.annotations?.[ANNOTATION_CONFIG_SOURCE] === 'file';
}

function uidFrom(hash: string): string {
  return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`;
}

/** Fills what the API server's defaulting would have, for fields the kubelet relies on. */
function defaultStaticPod(pod: Pod): void {
  const spec = pod.spec!;
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.enableServiceLinks ??= true;
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.imagePullPolicy ??= c.image?.endsWith(':latest') || !c.image?.includes(':') ? 'Always' : 'IfNotPresent';
  }
}

/** Reads every manifest in `dir` (files starting with "." are ignored, as upstream). */
export async function readStaticPods(dir: string, nodeName: string, now: number): Promise<Pod[]> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  } catch {
    return [];
  }
  const out: Pod[] = [];
  for (const file of names) {
    const full = path.join(dir, file);
    const st = await fs.stat(full).catch(() => undefined);
    if (!st?.isFile()) continue;
    const text = await fs.readFile(full, 'utf8');
    let docs: unknown[];
    try {
      docs = parseAllDocuments(text).map((d) => d.toJS());
    } catch {
      continue;
    }
    for (const doc of docs) {
      const pod = doc as Pod;
      if (!pod || (pod as { kind?: string }).kind !== 'Pod' || !pod.metadata?.name || !pod.spec?.containers) continue;
      const hash = createHash('md5').update(nodeName).update(full).update(JSON.stringify(pod)).digest('hex');
      const uid = uidFrom(hash);
      const p: Pod = structuredClone(pod);
      p.apiVersion = 'v1';
      p.kind = 'Pod';
      p.metadata = {
        ...p.metadata,
        name: `${pod.metadata.name}-${nodeName}`,
        namespace: pod.metadata.namespace ?? 'default',
        uid,
        annotations: {
          ...(pod.metadata.annotations ?? {}),
          [ANNOTATION_CONFIG_HASH]: hash,
          [ANNOTATION_CONFIG_SOURCE]: 'file',
          [ANNOTATION_CONFIG_SEEN]: new Date(now).toISOString(),
        },
        creationTimestamp: new Date(Math.floor(st.mtimeMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      };
      p.spec = { ...p.spec!, nodeName };
      defaultStaticPod(p);
      (p as { status?: Pod["status"] }).status = { phase: "Pending" };
      out.push(p);
    }
  }
  return out;
}

/** The mirror pod to create for a static pod, owned by the node. */
export function mirrorPodFor(staticPod: Pod, node: Node): Pod {
  const annotations = { ...(staticPod.metadata?.annotations ?? {}) };
  annotations[ANNOTATION_CONFIG_MIRROR] = annotations[ANNOTATION_CONFIG_HASH]!;
  delete annotations[ANNOTATION_CONFIG_SEEN];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: staticPod.metadata!.name,
      namespace: staticPod.metadata!.namespace,
      labels: staticPod.metadata?.labels,
      annotations,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.metadata!.name!, uid: node.metadata!.uid!, controller: true }],
    },
    spec: structuredClone(staticPod.spec),
  };
}

/** Makes the API hold an up-to-date mirror of `staticPod` (creating or replacing it). */
export async function ensureMirrorPod(client: ApiClient, staticPod: Pod, mirror: Pod | undefined, node: Node): Promise<void> {
  const api = client.resource(pods, staticPod.metadata!.namespace!);
  const hash = staticPod.metadata?.annotations?.[ANNOTATION_CONFIG_HASH];
  if (mirror && mirror.metadata?.annotations?.[ANNOTATION_CONFIG_MIRROR] === hash && !mirror.metadata?.deletionTimestamp) return;
  if (mirror) {
    try {
      await api.delete(mirror.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: mirror.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  try {
    await api.create(mirrorPodFor(staticPod, node));
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

export async function deleteMirrorPod(client: ApiClient, mirror: Pod): Promise<void> {
  try {
    await client.resource(pods, mirror.metadata!.namespace!).delete(mirror.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: mirror.metadata?.uid } });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
