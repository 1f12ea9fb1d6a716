// Core kinds with simple tables: namespaces, secrets, service accounts, config maps, pod
// templates, replication controllers and resource quotas (upstream printers.go).
import { ageCol, containersCol, definePrinter, imagesCol, int, nameCol, str } from './columns.js';
import { containerCells, formatLabels, int64, quantityText } from './format.js';
import { age } from './time.js';
import type { KindPrinter, KubeObject, PrinterRegistration } from './types.js';

const name = (o: KubeObject): unknown => o.metadata?.name;
const count = (m: unknown): number => (m && typeof m === 'object' ? Object.keys(m).length : 0);

export const namespacePrinter = definePrinter(
  [nameCol, str('Status', 'The status of the namespace'), ageCol],
  (o, now) => [name(o), o.status?.phase ?? '', age(o, now)],
);

export const secretPrinter = definePrinter(
  [nameCol, str('Type', ['core.v1.Secret', 'type']), str('Data', ['core.v1.Secret', 'data']), ageCol],
  (o, now) => [name(o), o.type ?? '', count(o.data), age(o, now)],
);

export const serviceAccountPrinter = definePrinter(
  [nameCol, str('Secrets', ['core.v1.ServiceAccount', 'secrets']), ageCol],
  (o, now) => [name(o), (o.secrets ?? []).length, age(o, now)],
);

export const configMapPrinter = definePrinter(
  [nameCol, str('Data', ['core.v1.ConfigMap', 'data']), ageCol],
  (o, now) => [name(o), count(o.data) + count(o.binaryData), age(o, now)],
);

export const podTemplatePrinter = definePrinter(
  [
    nameCol,
    str('Containers', 'Names of each container in the template.'),
    str('Images', 'Images referenced by each container in the template.'),
    str('Pod Labels', 'The labels for the pod template.'),
  ],
  (o) => [name(o), ...containerCells(o.template?.spec?.containers), formatLabels(o.template?.metadata?.labels)],
);

export const replicationControllerPrinter = definePrinter(
  [
    nameCol,
    int('Desired', ['core.v1.ReplicationControllerSpec', 'replicas']),
    int('Current', ['core.v1.ReplicationControllerStatus', 'replicas']),
    int('Ready', ['core.v1.ReplicationControllerStatus', 'readyReplicas']),
    ageCol,
    containersCol,
    imagesCol,
    str('Selector', ['core.v1.ReplicationControllerSpec', 'selector'], 1),
  ],
  (o, now) => [
    name(o),
    int64(o.spec?.replicas ?? 1), // defaulted to 1 on create
    int64(o.status?.replicas),
    int64(o.status?.readyReplicas),
    age(o, now),
    ...containerCells(o.spec?.template?.spec?.containers),
    formatLabels(o.spec?.selector),
  ],
);

/** REQUEST and LIMIT: "used/hard" of every hard resource, sorted; limits.* go to LIMIT. */
function quotaCells(o: KubeObject): [string, string] {
  const hard: Record<string, string> = o.status?.hard ?? {};
  const used: Record<string, string> = o.status?.used ?? {};
  const requests: string[] = [];
  const limits: string[] = [];
  for (const resource of Object.keys(hard).sort()) {
    const text = `${resource}: ${quantityText(used[resource])}/${quantityText(hard[resource])}`;
    const pieces = resource.split('.');
    (pieces.length > 1 && pieces[0] === 'limits' ? limits : requests).push(text);
  }
  return [requests.join(', '), limits.join(', ')];
}

export const resourceQuotaPrinter = definePrinter(
  [
    nameCol,
    str('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    str('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    ageCol,
  ],
  (o, now) => [name(o), ...quotaCells(o), age(o, now)],
);

const core = (resource: string, printer: KindPrinter): PrinterRegistration => ({ group: '', resource, printer });

export const corePrinters: PrinterRegistration[] = [
  core('namespaces', namespacePrinter),
  core('secrets', secretPrinter),
  core('serviceaccounts', serviceAccountPrinter),
  core('configmaps', configMapPrinter),
  core('podtemplates', podTemplatePrinter),
  core('replicationcontrollers', replicationControllerPrinter),
  core('resourcequotas', resourceQuotaPrinter),
];
