// Every built-in printer, by group and resource. Kinds missing here (roles, cluster roles,
// limit ranges, …: upstream has no printer for them) get the default Name / Created At table.
import { appsPrinters } from './apps.js';
import { autoscalingPrinters } from './autoscaling.js';
import { batchPrinters } from './batch.js';
import { clusterPrinters } from './cluster.js';
import { corePrinters } from './core.js';
import { eventPrinters } from './event.js';
import { networkingPrinters } from './networking.js';
import { nodePrinters } from './node.js';
import { podPrinter } from './pod.js';
import { policyPrinters } from './policy.js';
import { rbacPrinters } from './rbac.js';
import { servicePrinters } from './service.js';
import { storagePrinters } from './storage.js';
import type { PrinterRegistration } from './types.js';

export type { KindPrinter, PrinterRegistration, RowCondition, RowPrinter } from './types.js';
export { humanDuration } from './time.js';

export const builtinPrinters: PrinterRegistration[] = [
  { group: '', resource: 'pods', printer: podPrinter },
  ...corePrinters,
  ...servicePrinters,
  ...nodePrinters,
  ...eventPrinters,
  ...storagePrinters,
  ...appsPrinters,
  ...batchPrinters,
  ...networkingPrinters,
  ...autoscalingPrinters,
  ...policyPrinters,
  ...rbacPrinters,
  ...clusterPrinters,
];
