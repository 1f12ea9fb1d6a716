// Service and Endpoints validation (upstream core ValidateService, ValidateServiceUpdate,
// ValidateEndpoints).
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../kinds.js';
import { duplicate, forbidden, invalid, notSupported, required } from './field-errors.js';
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidIP, isValidPortName, isValidPortNum, nameIsDNS1035Label } from './names.js';

type Obj = Record<string, any>;

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const protocols = ['SCTP', 'TCP', 'UDP'];
const affinities = ['ClientIP', 'None'];
const trafficPolicies = ['Cluster', 'Local'];
const ipFamilyPolicies = ['SingleStack', 'PreferDualStack', 'RequireDualStack'];
const ipFamilies = ['IPv4', 'IPv6'];
const ipExample = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

function validateServicePorts(spec: Obj, errs: FieldError[]): void {
  const ports: Obj[] = Array.isArray(spec.ports) ? spec.ports : [];
  const names = new Set<string>();
  const seen = new Set<string>();
  const several = ports.length > 1;
  ports.forEach((p, i) => {
    const pp = `spec.ports[${i}]`;
    if (several && !p?.name) errs.push(required(`${pp}.name`));
    if (p?.name) {
      for (const m of isDNS1123Label(p.name)) errs.push(invalid(`${pp}.name`, p.name, m));
      if (names.has(p.name)) errs.push(duplicate(`${pp}.name`, p.name));
      names.add(p.name);
    }
    for (const m of isValidPortNum(p?.port)) errs.push(invalid(`${pp}.port`, p?.port ?? 0, m));
    if (!p?.protocol) errs.push(required(`${pp}.protocol`));
    else if (!protocols.includes(p.protocol)) errs.push(notSupported(`${pp}.protocol`, p.protocol, protocols));
    if (typeof p?.targetPort === 'number') for (const m of isValidPortNum(p.targetPort)) errs.push(invalid(`${pp}.targetPort`, p.targetPort, m));
    if (typeof p?.targetPort === 'string') for (const m of isValidPortName(p.targetPort)) errs.push(invalid(`${pp}.targetPort`, p.targetPort, m));
    if (p?.nodePort) {
      if (spec.type === 'ClusterIP' || spec.type === 'ExternalName') {
        errs.push(forbidden(`${pp}.nodePort`, `may not be used when \`type\` is '${spec.type}'`));
      } else for (const m of isValidPortNum(p.nodePort)) errs.push(invalid(`${pp}.nodePort`, p.nodePort, m));
    }
    const key = `${p?.port}/${p?.protocol}`;
    if (seen.has(key)) errs.push(duplicate(pp, p));
    seen.add(key);
  });
}

function validateClusterIPs(spec: Obj, errs: FieldError[]): void {
  const ips: string[] = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  if (spec.clusterIP && ips.length && ips[0] !== spec.clusterIP) {
    errs.push(invalid('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  }
  ips.forEach((ip, i) => {
    if (ip === 'None' || ip === '') {
      if (i > 0) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, "must be a valid IP address"));
      return;
    }
    if (!isValidIP(ip)) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, ipExample));
  });
  if (ips[0] === 'None' && (spec.type === 'NodePort' || spec.type === 'LoadBalancer')) {
    errs.push(invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${spec.type} services`));
  }
}

export function validateService(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: true, nameValidator: nameIsDNS1035Label });
  const spec: Obj = obj.spec ?? {};
  if (spec.type !== undefined && !serviceTypes.includes(spec.type)) errs.push(notSupported('spec.type', spec.type, serviceTypes));
  const headless = spec.clusterIP === 'None';
  if (spec.type === 'ExternalName') {
    if (!spec.externalName) errs.push(required('spec.externalName'));
    else for (const m of isDNS1123Subdomain(String(spec.externalName).replace(/\.$/, ''))) errs.push(invalid('spec.externalName', spec.externalName, m));
    if (spec.clusterIP && spec.clusterIP !== '') {
      errs.push(forbidden('spec.clusterIP', 'may not be set when `type` is \'ExternalName\''));
    }
  } else {
    if (!headless && (!Array.isArray(spec.ports) || spec.ports.length === 0)) errs.push(required('spec.ports'));
    validateClusterIPs(spec, errs);
  }
  validateServicePorts(spec, errs);
  if (spec.sessionAffinity !== undefined && !affinities.includes(spec.sessionAffinity)) {
    errs.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, affinities));
  }
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (typeof timeout === 'number' && (timeout <= 0 || timeout > 86400)) {
    errs.push(invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, 'must be greater than 0 and less than 86400'));
  }
  if (spec.externalTrafficPolicy !== undefined) {
    if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') {
      errs.push(invalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
    } else if (!trafficPolicies.includes(spec.externalTrafficPolicy)) {
      errs.push(notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, trafficPolicies));
    }
  }
  if (spec.internalTrafficPolicy !== undefined && !trafficPolicies.includes(spec.internalTrafficPolicy)) {
    errs.push(notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, trafficPolicies));
  }
  if (spec.ipFamilyPolicy !== undefined && !ipFamilyPolicies.includes(spec.ipFamilyPolicy)) {
    errs.push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, ipFamilyPolicies));
  }
  (Array.isArray(spec.ipFamilies) ? spec.ipFamilies : []).forEach((f: string, i: number) => {
    if (!ipFamilies.includes(f)) errs.push(notSupported(`spec.ipFamilies[${i}]`, f, ipFamilies));
  });
  (Array.isArray(spec.externalIPs) ? spec.externalIPs : []).forEach((ip: string, i: number) => {
    if (!isValidIP(ip)) errs.push(invalid(`spec.externalIPs[${i}]`, ip, ipExample));
  });
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  return errs;
}

/** A ClusterIP, once allocated, is kept; the API server copies it into updates that omit it. */
export function validateServiceUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj, old);
  const spec: Obj = obj.spec ?? {};
  const oldSpec: Obj = old.spec ?? {};
  const keepsClusterIP = spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName';
  if (keepsClusterIP && oldSpec.clusterIP && spec.clusterIP && spec.clusterIP !== oldSpec.clusterIP) {
    errs.push(invalid('spec.clusterIPs[0]', Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [spec.clusterIP], 'may not change once set'));
  }
  return errs;
}

export function validateEndpoints(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: true });
  (Array.isArray(obj.subsets) ? obj.subsets : []).forEach((subset: Obj, i: number) => {
    const sp = `subsets[${i}]`;
    for (const key of ['addresses', 'notReadyAddresses']) {
      (Array.isArray(subset?.[key]) ? subset[key] : []).forEach((a: Obj, j: number) => {
        if (!a?.ip || !isValidIP(a.ip)) errs.push(invalid(`${sp}.${key}[${j}].ip`, a?.ip ?? '', ipExample));
      });
    }
    const ports: Obj[] = Array.isArray(subset?.ports) ? subset.ports : [];
    ports.forEach((p, j) => {
      const pp = `${sp}.ports[${j}]`;
      if (ports.length > 1 && !p?.name) errs.push(required(`${pp}.name`));
      for (const m of isValidPortNum(p?.port)) errs.push(invalid(`${pp}.port`, p?.port ?? 0, m));
      if (p?.protocol && !protocols.includes(p.protocol)) errs.push(notSupported(`${pp}.protocol`, p.protocol, protocols));
    });
  });
  return errs;
}
