// Container validation (upstream validateContainers / validateContainerCommon).
import type { FieldError } from '../errors.js';
import { duplicate, forbidden, invalid, notFound, notSupported, required } from './field-errors.js';
import { isDNS1123Label, isEnvVarName, isValidPortName, isValidPortNum } from './names.js';
import { validateResourceRequirements } from './resources.js';

type Obj = Record<string, any>;

const protocols = ['SCTP', 'TCP', 'UDP'];
const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const terminationMessagePolicies = ['File', 'FallbackToLogsOnError'];
const probeHandlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'];

function validatePorts(ports: unknown, path: string, errs: FieldError[]): void {
  if (!Array.isArray(ports)) return;
  const names = new Set<string>();
  ports.forEach((p: Obj, i) => {
    const pp = `${path}[${i}]`;
    if (p?.name) {
      for (const m of isValidPortName(p.name)) errs.push(invalid(`${pp}.name`, p.name, m));
      if (names.has(p.name)) errs.push(duplicate(`${pp}.name`, p.name));
      names.add(p.name);
    }
    if (!p?.containerPort) errs.push(required(`${pp}.containerPort`));
    else for (const m of isValidPortNum(p.containerPort)) errs.push(invalid(`${pp}.containerPort`, p.containerPort, m));
    if (p?.hostPort) for (const m of isValidPortNum(p.hostPort)) errs.push(invalid(`${pp}.hostPort`, p.hostPort, m));
    if (!p?.protocol) errs.push(required(`${pp}.protocol`));
    else if (!protocols.includes(p.protocol)) errs.push(notSupported(`${pp}.protocol`, p.protocol, protocols));
  });
}

function validateEnv(env: unknown, path: string, errs: FieldError[]): void {
  if (!Array.isArray(env)) return;
  env.forEach((e: Obj, i) => {
    const ep = `${path}[${i}]`;
    if (!e?.name) errs.push(required(`${ep}.name`));
    else for (const m of isEnvVarName(e.name)) errs.push(invalid(`${ep}.name`, e.name, m));
    if (e?.valueFrom) {
      const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((k) => e.valueFrom[k]);
      if (e.value !== undefined && e.value !== '') {
        errs.push(invalid(`${ep}.valueFrom`, '', 'may not be specified when `value` is not empty'));
      }
      if (sources.length === 0) errs.push(invalid(`${ep}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      if (sources.length > 1) errs.push(invalid(`${ep}.valueFrom`, '', 'may not have more than one field specified at a time'));
    }
  });
}

function validateProbe(probe: Obj | undefined, path: string, errs: FieldError[]): void {
  if (!probe) return;
  const handlers = probeHandlers.filter((h) => probe[h]);
  if (handlers.length === 0) errs.push(required(path, 'must specify a handler type'));
  handlers.slice(1).forEach((h) => errs.push(forbidden(`${path}.${h}`, 'may not specify more than 1 handler type')));
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    if (typeof probe[f] === 'number' && probe[f] < 0) errs.push(invalid(`${path}.${f}`, probe[f], 'must be greater than or equal to 0'));
  }
  const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
  const portPath = `${path}.${probe.httpGet ? 'httpGet' : 'tcpSocket'}.port`;
  if (typeof port === 'number') for (const m of isValidPortNum(port)) errs.push(invalid(portPath, port, m));
  if (typeof port === 'string') for (const m of isValidPortName(port)) errs.push(invalid(portPath, port, m));
}

function validateVolumeMounts(mounts: unknown, volumes: Set<string>, path: string, errs: FieldError[]): void {
  if (!Array.isArray(mounts)) return;
  const paths = new Set<string>();
  mounts.forEach((m: Obj, i) => {
    const mp = `${path}[${i}]`;
    if (!m?.name) errs.push(required(`${mp}.name`));
    else if (!volumes.has(m.name)) errs.push(notFound(`${mp}.name`, m.name));
    if (!m?.mountPath) errs.push(required(`${mp}.mountPath`));
    else {
      if (paths.has(m.mountPath)) errs.push(invalid(`${mp}.mountPath`, m.mountPath, 'must be unique'));
      paths.add(m.mountPath);
    }
  });
}

/**
 * Validates a list of containers. `seenNames` is shared across containers and init containers,
 * since upstream requires names unique across both.
 */
export function validateContainers(containers: unknown, path: string, volumes: Set<string>, seenNames: Set<string>, errs: FieldError[]): void {
  if (!Array.isArray(containers)) return;
  containers.forEach((c: Obj, i) => {
    const cp = `${path}[${i}]`;
    if (!c?.name) errs.push(required(`${cp}.name`));
    else {
      for (const m of isDNS1123Label(c.name)) errs.push(invalid(`${cp}.name`, c.name, m));
      if (seenNames.has(c.name)) errs.push(duplicate(`${cp}.name`, c.name));
      seenNames.add(c.name);
    }
    if (!c?.image) errs.push(required(`${cp}.image`));
    else if (String(c.image).trim() !== c.image) errs.push(invalid(`${cp}.image`, c.image, 'must not have leading or trailing whitespace'));
    validatePorts(c?.ports, `${cp}.ports`, errs);
    validateEnv(c?.env, `${cp}.env`, errs);
    validateVolumeMounts(c?.volumeMounts, volumes, `${cp}.volumeMounts`, errs);
    if (c?.imagePullPolicy && !pullPolicies.includes(c.imagePullPolicy)) {
      errs.push(notSupported(`${cp}.imagePullPolicy`, c.imagePullPolicy, pullPolicies));
    }
    if (c?.terminationMessagePolicy && !terminationMessagePolicies.includes(c.terminationMessagePolicy)) {
      errs.push(notSupported(`${cp}.terminationMessagePolicy`, c.terminationMessagePolicy, terminationMessagePolicies));
    }
    validateProbe(c?.livenessProbe, `${cp}.livenessProbe`, errs);
    validateProbe(c?.readinessProbe, `${cp}.readinessProbe`, errs);
    validateProbe(c?.startupProbe, `${cp}.startupProbe`, errs);
    errs.push(...validateResourceRequirements(c?.resources, `${cp}.resources`));
  });
}

