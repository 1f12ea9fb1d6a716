// A container's environment, as upstream's makeEnvironmentVariables: envFrom first (with its
// prefix, values not expanded), then env in order (values $(VAR)-expanded against what is
// defined so far and the service variables), then the service variables the pod did not
// set itself. A missing ConfigMap, Secret or key fails the container's creation
// (CreateContainerConfigError) unless marked optional.
import type { ConfigMap, Container, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import { expand, mappingFor } from './expansion.js';
import type { PodRuntimeFacts } from './field-ref.js';
import { resolveFieldRef, resolveResourceFieldRef } from './field-ref.js';
import { serviceEnvVars, servicesForPod } from './service-env.js';

/** Read access to what a pod's environment and volumes draw on (the kubelet's informer caches). */
export interface PodSources {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
  services(namespace: string): Service[];
}

/** Why a container cannot be created (upstream's CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  override readonly name = 'ContainerConfigError';
  readonly reason = 'CreateContainerConfigError';
}

export interface EnvContext {
  facts: PodRuntimeFacts;
  nodeAllocatable: Record<string, string>;
  /** Namespace of the master "kubernetes" service (default "default"). */
  masterServiceNamespace?: string;
}

function secretValue(secret: Secret, key: string): string | undefined {
  if (secret.data?.[key] !== undefined) return Buffer.from(secret.data[key]!, 'base64').toString('utf8');
  return secret.stringData?.[key];
}

function configMapValue(cm: ConfigMap, key: string): string | undefined {
  if (cm.data?.[key] !== undefined) return cm.data[key];
  if (cm.binaryData?.[key] !== undefined) return Buffer.from(cm.binaryData[key]!, 'base64').toString('utf8');
  return undefined;
}

export function makeEnvironment(pod: Pod, container: Container, sources: PodSources, ctx: EnvContext): { key: string; value: string }[] {
  const ns = pod.metadata?.namespace ?? 'default';
  const masterNs = ctx.masterServiceNamespace ?? 'default';
  const services = servicesForPod(ns, pod.spec?.enableServiceLinks !== false, sources.services(ns), ns === masterNs ? sources.services(ns) : sources.services(masterNs));
  const serviceEnv = serviceEnvVars(services);
  const env = new Map<string, string>();
  const mapping = mappingFor(env, serviceEnv);

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = sources.configMap(ns, from.configMapRef.name ?? '');
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const k of Object.keys({ ...cm.data, ...cm.binaryData })) env.set(prefix + k, configMapValue(cm, k)!);
    } else if (from.secretRef) {
      const s = sources.secret(ns, from.secretRef.name ?? '');
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const k of Object.keys({ ...s.data, ...s.stringData })) env.set(prefix + k, secretValue(s, k)!);
    }
  }

  for (const e of container.env ?? []) {
    let value: string | undefined = e.value ?? '';
    if (value !== '') {
      value = expand(value, mapping);
    } else if (e.valueFrom) {
      const vf = e.valueFrom;
      if (vf.fieldRef) {
        value = resolveFieldRef(pod, vf.fieldRef, ctx.facts);
      } else if (vf.resourceFieldRef) {
        value = resolveResourceFieldRef(pod, vf.resourceFieldRef, container, ctx.nodeAllocatable);
      } else if (vf.configMapKeyRef) {
        const ref = vf.configMapKeyRef;
        const cm = sources.configMap(ns, ref.name ?? '');
        if (!cm) {
          if (ref.optional) continue;
          throw new ContainerConfigError(`configmap "${ref.name}" not found`);
        }
        value = configMapValue(cm, ref.key);
        if (value === undefined) {
          if (ref.optional) continue;
          throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`);
        }
      } else if (vf.secretKeyRef) {
        const ref = vf.secretKeyRef;
        const s = sources.secret(ns, ref.name ?? '');
        if (!s) {
          if (ref.optional) continue;
          throw new ContainerConfigError(`secret "${ref.name}" not found`);
        }
        value = secretValue(s, ref.key);
        if (value === undefined) {
          if (ref.optional) continue;
          throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`);
        }
      }
    }
    env.set(e.name, value);
  }

  const out = [...env].map(([key, value]) => ({ key, value }));
  for (const [key, value] of serviceEnv) if (!env.has(key)) out.push({ key, value });
  return out;
}

/** Command and args with $(VAR) expanded against the container's final environment. */
export function expandCommand(container: Container, env: { key: string; value: string }[]): { command: string[]; args: string[] } {
  const mapping = mappingFor(new Map(env.map((e) => [e.key, e.value])));
  return {
    command: (container.command ?? []).map((s) => expand(s, mapping)),
    args: (container.args ?? []).map((s) => expand(s, mapping)),
  };
}
