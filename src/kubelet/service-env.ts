// Service environment variables, as upstream's envvars.FromServices: for each Service with a
// cluster IP, `<NAME>_SERVICE_HOST` / `_SERVICE_PORT` (and `_SERVICE_PORT_<PORTNAME>`), plus the
// Docker-link style `<NAME>_PORT`, `<NAME>_PORT_<port>_<PROTO>` and its `_PROTO`, `_PORT`, `_ADDR`.
// The kubelet offers the pod's namespace's services when enableServiceLinks (default true),
// and always the master "kubernetes" service of the default namespace.
import type { Service } from 'kubernetes-types/core/v1.js';

function envName(s: string): string {
  return s.toUpperCase().replace(/-/g, '_');
}

function hasClusterIP(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

export function serviceEnvVars(services: Service[]): Map<string, string> {
  const out = new Map<string, string>();
  // Upstream sorts by name so the order is stable.
  const sorted = [...services].filter(hasClusterIP).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const svc of sorted) {
    const name = envName(svc.metadata?.name ?? '');
    const ip = svc.spec!.clusterIP!;
    const ports = svc.spec?.ports ?? [];
    out.set(`${name}_SERVICE_HOST`, ip);
    if (ports[0]) out.set(`${name}_SERVICE_PORT`, String(ports[0].port));
    for (const p of ports) if (p.name) out.set(`${name}_SERVICE_PORT_${envName(p.name)}`, String(p.port));
    if (ports[0]) out.set(`${name}_PORT`, `${(ports[0].protocol ?? 'TCP').toLowerCase()}://${ip}:${ports[0].port}`);
    for (const p of ports) {
      const proto = p.protocol ?? 'TCP';
      const prefix = `${name}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.set(prefix, `${proto.toLowerCase()}://${ip}:${p.port}`);
      out.set(`${prefix}_PROTO`, proto.toLowerCase());
      out.set(`${prefix}_PORT`, String(p.port));
      out.set(`${prefix}_ADDR`, ip);
    }
  }
  return out;
}

/** The services whose variables a pod in `namespace` gets (upstream getServiceEnvVarMap). */
export function servicesForPod(namespace: string, enableServiceLinks: boolean, inNamespace: Service[], masterNamespace: Service[]): Service[] {
  const byName = new Map<string, Service>();
  const master = masterNamespace.find((s) => s.metadata?.name === 'kubernetes');
  if (master) byName.set('kubernetes', master);
  if (enableServiceLinks) {
    for (const s of inNamespace) {
      const n = s.metadata?.name ?? '';
      // The master service wins over a namesake in the pod's namespace.
      if (n === 'kubernetes' && master && namespace !== master.metadata?.namespace) continue;
      byName.set(n, s);
    }
  }
  return [...byName.values()];
}
