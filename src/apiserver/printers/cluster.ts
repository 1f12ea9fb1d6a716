// Cluster machinery with small tables: leases, priority classes, runtime classes, admission
// webhook configurations and certificate signing requests (upstream printLease,
// printPriorityClass, printRuntimeClass, printMutatingWebhook, printValidatingWebhook,
// printCertificateSigningRequest).
import { ageCol, bool, definePrinter, int, nameCol, str } from './columns.js';
import { int64 } from './format.js';
import { age, humanDuration } from './time.js';
import type { KubeObject, PrinterRegistration } from './types.js';

export const leasePrinter = definePrinter(
  [nameCol, str('Holder', ['coordination.v1.LeaseSpec', 'holderIdentity']), ageCol],
  (o, now) => [o.metadata?.name, o.spec?.holderIdentity ?? '', age(o, now)],
);

export const priorityClassPrinter = definePrinter(
  [
    nameCol,
    int('Value', ['scheduling.v1.PriorityClass', 'value']),
    bool('Global-Default', ['scheduling.v1.PriorityClass', 'globalDefault']),
    ageCol,
    str('PreemptionPolicy', ['scheduling.v1.PriorityClass', 'preemptionPolicy']),
  ],
  (o, now) => [o.metadata?.name, int64(o.value), o.globalDefault ?? false, age(o, now), o.preemptionPolicy ?? ''],
);

export const runtimeClassPrinter = definePrinter(
  [nameCol, str('Handler', ['node.v1.RuntimeClass', 'handler']), ageCol],
  (o, now) => [o.metadata?.name, o.handler ?? '', age(o, now)],
);

const webhookPrinter = definePrinter(
  [nameCol, int('Webhooks', 'Webhooks indicates the number of webhooks registered in this configuration'), ageCol],
  (o, now) => [o.metadata?.name, (o.webhooks ?? []).length, age(o, now)],
);

/** extractCSRStatus: Denied / Approved / Pending, then ",Failed" and ",Issued". */
export function csrCondition(o: KubeObject): string {
  const types = new Set((o.status?.conditions ?? []).map((c: { type?: string }) => c.type));
  let status = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) status += ',Failed';
  if (o.status?.certificate) status += ',Issued';
  return status;
}

export const certificateSigningRequestPrinter = definePrinter(
  [
    nameCol,
    ageCol,
    str('SignerName', ['certificates.v1.CertificateSigningRequestSpec', 'signerName']),
    str('Requestor', ['certificates.v1.CertificateSigningRequestSpec', 'request']),
    str('RequestedDuration', ['certificates.v1.CertificateSigningRequestSpec', 'expirationSeconds']),
    str('Condition', ['certificates.v1.CertificateSigningRequestStatus', 'conditions']),
  ],
  (o, now) => {
    const seconds = o.spec?.expirationSeconds;
    return [
      o.metadata?.name,
      age(o, now),
      o.spec?.signerName || '<none>',
      o.spec?.username ?? '',
      typeof seconds === 'number' ? humanDuration(seconds * 1000) : '<none>',
      csrCondition(o),
    ];
  },
);

export const clusterPrinters: PrinterRegistration[] = [
  { group: 'coordination.k8s.io', resource: 'leases', printer: leasePrinter },
  { group: 'scheduling.k8s.io', resource: 'priorityclasses', printer: priorityClassPrinter },
  { group: 'node.k8s.io', resource: 'runtimeclasses', printer: runtimeClassPrinter },
  { group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations', printer: webhookPrinter },
  { group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations', printer: webhookPrinter },
  { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', printer: certificateSigningRequestPrinter },
];
