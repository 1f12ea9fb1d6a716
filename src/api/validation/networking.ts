// networking.k8s.io/v1 (Ingress, IngressClass, NetworkPolicy) and discovery.k8s.io/v1
// (EndpointSlice) validation, after upstream pkg/apis/networking/validation and discovery/validation.
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../kinds.js';
import { immutable, invalid, notSupported, required, tooMany } from './field-errors.js';
import { validateLabelSelector } from './label-selector.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isValidIP, isValidPortName, isValidPortNum, isWildcardDNS1123Subdomain } from './names.js';

type Obj = Record<string, any>;

const pathTypes = ['Exact', 'ImplementationSpecific', 'Prefix'];
const policyTypes = ['Ingress', 'Egress'];
const protocols = ['SCTP', 'TCP', 'UDP'];
const addressTypes = ['IPv4', 'IPv6', 'FQDN'];

function validateIngressBackend(backend: Obj | undefined, field: string, errs: FieldError[]): void {
  const hasResource = !!backend?.resource;
  const hasService = !!backend?.service;
  if (hasResource && hasService) {
    errs.push(invalid(field, '', 'cannot set both resource and service backends'));
    return;
  }
  if (hasResource) {
    if (!backend!.resource.kind) errs.push(required(`${field}.resource.kind`));
    if (!backend!.resource.name) errs.push(required(`${field}.resource.name`));
    return;
  }
  if (!hasService) {
    errs.push(invalid(field, '', 'resource or service backend is required'));
    return;
  }
  const svc: Obj = backend!.service;
  if (!svc.name) errs.push(required(`${field}.service.name`));
  else for (const m of isDNS1035Label(svc.name)) errs.push(invalid(`${field}.service.name`, svc.name, m));
  const name = svc.port?.name;
  const number = svc.port?.number;
  if (name && number) errs.push(invalid(`${field}.service.port`, svc.port, 'cannot set both port name & port number'));
  else if (name) for (const m of isValidPortName(name)) errs.push(invalid(`${field}.service.port.name`, name, m));
  else if (number) for (const m of isValidPortNum(number)) errs.push(invalid(`${field}.service.port.number`, number, m));
  else errs.push(required(`${field}.service.port`, 'port name or number is required'));
}

function validateIngressRules(rules: Obj[], errs: FieldError[]): void {
  rules.forEach((rule, i) => {
    const rp = `spec.rules[${i}]`;
    if (rule?.host) {
      if (isValidIP(rule.host)) errs.push(invalid(`${rp}.host`, rule.host, 'must be a DNS name, not an IP address'));
      const msgs = String(rule.host).includes('*') ? isWildcardDNS1123Subdomain(rule.host) : isDNS1123Subdomain(rule.host);
      for (const m of msgs) errs.push(invalid(`${rp}.host`, rule.host, m));
    }
    if (!rule?.http) return;
    const paths: Obj[] = Array.isArray(rule.http.paths) ? rule.http.paths : [];
    if (paths.length === 0) errs.push(required(`${rp}.http.paths`));
    paths.forEach((p, j) => {
      const pp = `${rp}.http.paths[${j}]`;
      if (!p?.pathType) errs.push(required(`${pp}.pathType`, 'pathType must be specified'));
      else if (!pathTypes.includes(p.pathType)) errs.push(notSupported(`${pp}.pathType`, p.pathType, pathTypes));
      if ((p?.pathType === 'Exact' || p?.pathType === 'Prefix') && !String(p?.path ?? '').startsWith('/')) {
        errs.push(invalid(`${pp}.path`, p?.path ?? '', 'must be an absolute path'));
      }
      validateIngressBackend(p?.backend, `${pp}.backend`, errs);
    });
  });
}

export function validateIngress(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: true });
  const spec: Obj = obj.spec ?? {};
  const rules: Obj[] = Array.isArray(spec.rules) ? spec.rules : [];
  if (!spec.defaultBackend && rules.length === 0) {
    errs.push(invalid('spec', spec, 'either `defaultBackend` or `rules` must be specified'));
  }
  if (spec.defaultBackend) validateIngressBackend(spec.defaultBackend, 'spec.defaultBackend', errs);
  validateIngressRules(rules, errs);
  (Array.isArray(spec.tls) ? spec.tls : []).forEach((tls: Obj, i: number) => {
    (Array.isArray(tls?.hosts) ? tls.hosts : []).forEach((h: string, j: number) => {
      const msgs = h.includes('*') ? isWildcardDNS1123Subdomain(h) : isDNS1123Subdomain(h);
      for (const m of msgs) errs.push(invalid(`spec.tls[${i}].hosts[${j}]`, h, m));
    });
  });
  if (spec.ingressClassName) {
    for (const m of isDNS1123Subdomain(spec.ingressClassName)) errs.push(invalid('spec.ingressClassName', spec.ingressClassName, m));
  }
  return errs;
}

export function validateIngressClass(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: false });
  const controller = obj.spec?.controller;
  if (!controller) errs.push(required('spec.controller'));
  else if (String(controller).length > 250) errs.push(invalid('spec.controller', controller, 'must be no more than 250 characters'));
  return errs;
}

export function validateIngressClassUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj, old);
  if (obj.spec?.controller !== old.spec?.controller) errs.push(immutable('spec.controller', obj.spec?.controller ?? ''));
  return errs;
}

function validatePolicyPorts(ports: unknown, field: string, errs: FieldError[]): void {
  (Array.isArray(ports) ? ports : []).forEach((p: Obj, i: number) => {
    const pp = `${field}[${i}]`;
    if (p?.protocol && !protocols.includes(p.protocol)) errs.push(notSupported(`${pp}.protocol`, p.protocol, protocols));
    if (typeof p?.port === 'number') for (const m of isValidPortNum(p.port)) errs.push(invalid(`${pp}.port`, p.port, m));
    if (typeof p?.port === 'string') for (const m of isValidPortName(p.port)) errs.push(invalid(`${pp}.port`, p.port, m));
    if (p?.endPort !== undefined) {
      if (typeof p?.port !== 'number') errs.push(required(`${pp}.port`, 'must be specified when endPort is specified'));
      else if (p.endPort < p.port) errs.push(invalid(`${pp}.endPort`, p.endPort, 'must be greater than or equal to `port`'));
    }
  });
}

function validatePeers(peers: unknown, field: string, errs: FieldError[]): void {
  (Array.isArray(peers) ? peers : []).forEach((peer: Obj, i: number) => {
    const pp = `${field}[${i}]`;
    const set = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((k) => peer?.[k]);
    if (set.length === 0) errs.push(required(pp, 'must specify a peer'));
    if (peer?.ipBlock && set.length > 1) errs.push(invalid(pp, peer, 'may not specify both ipBlock and another peer'));
    errs.push(...validateLabelSelector(peer?.podSelector, `${pp}.podSelector`));
    errs.push(...validateLabelSelector(peer?.namespaceSelector, `${pp}.namespaceSelector`));
    if (peer?.ipBlock && !peer.ipBlock.cidr) errs.push(required(`${pp}.ipBlock.cidr`));
  });
}

export function validateNetworkPolicy(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: true });
  const spec: Obj = obj.spec ?? {};
  errs.push(...validateLabelSelector(spec.podSelector, 'spec.podSelector'));
  (Array.isArray(spec.ingress) ? spec.ingress : []).forEach((r: Obj, i: number) => {
    validatePolicyPorts(r?.ports, `spec.ingress[${i}].ports`, errs);
    validatePeers(r?.from, `spec.ingress[${i}].from`, errs);
  });
  (Array.isArray(spec.egress) ? spec.egress : []).forEach((r: Obj, i: number) => {
    validatePolicyPorts(r?.ports, `spec.egress[${i}].ports`, errs);
    validatePeers(r?.to, `spec.egress[${i}].to`, errs);
  });
  const types: string[] = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
  types.forEach((t, i) => {
    if (!policyTypes.includes(t)) errs.push(notSupported(`spec.policyTypes[${i}]`, t, policyTypes));
  });
  if (types.length > 2) errs.push(invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
  return errs;
}

export function validateEndpointSlice(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: true });
  if (!obj.addressType) errs.push(required('addressType'));
  else if (!addressTypes.includes(obj.addressType)) errs.push(notSupported('addressType', obj.addressType, addressTypes));
  const endpoints: Obj[] = Array.isArray(obj.endpoints) ? obj.endpoints : [];
  if (endpoints.length > 1000) errs.push(tooMany('endpoints', endpoints.length, 1000));
  endpoints.forEach((ep, i) => {
    const addrs: string[] = Array.isArray(ep?.addresses) ? ep.addresses : [];
    if (addrs.length === 0) errs.push(required(`endpoints[${i}].addresses`, 'must contain at least 1 address'));
    addrs.forEach((a, j) => {
      const bad = obj.addressType === 'FQDN' ? isDNS1123Subdomain(a).length > 0 : !isValidIP(a);
      if (bad) errs.push(invalid(`endpoints[${i}].addresses[${j}]`, a, obj.addressType === 'FQDN' ? 'must be a valid FQDN' : 'must be a valid IP address'));
    });
  });
  (Array.isArray(obj.ports) ? obj.ports : []).forEach((p: Obj, i: number) => {
    if (p?.name) for (const m of isDNS1123Label(p.name)) errs.push(invalid(`ports[${i}].name`, p.name, m));
    if (p?.protocol && !protocols.includes(p.protocol)) errs.push(notSupported(`ports[${i}].protocol`, p.protocol, protocols));
    if (typeof p?.port === 'number') for (const m of isValidPortNum(p.port)) errs.push(invalid(`ports[${i}].port`, p.port, m));
  });
  return errs;
}

export function validateEndpointSliceUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj, old);
  if (obj.addressType !== old.addressType) errs.push(immutable('addressType', obj.addressType ?? ''));
  return errs;
}
