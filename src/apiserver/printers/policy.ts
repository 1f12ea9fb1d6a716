// policy/v1 PodDisruptionBudgets: MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE
// (upstream printPodDisruptionBudget).
import { ageCol, definePrinter, int, nameCol, str } from './columns.js';
import { int64, intOrString } from './format.js';
import { age } from './time.js';
import type { PrinterRegistration } from './types.js';

const unsetAsNA = (v: number | string | undefined | null): string => (v === undefined || v === null ? 'N/A' : intOrString(v));

export const podDisruptionBudgetPrinter = definePrinter(
  [
    nameCol,
    str('Min Available', 'The minimum number of pods that must be available.'),
    str('Max Unavailable', 'The maximum number of pods that may be unavailable.'),
    int('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.'),
    ageCol,
  ],
  (o, now) => [
    o.metadata?.name,
    unsetAsNA(o.spec?.minAvailable),
    unsetAsNA(o.spec?.maxUnavailable),
    int64(o.status?.disruptionsAllowed),
    age(o, now),
  ],
);

export const policyPrinters: PrinterRegistration[] = [
  { group: 'policy', resource: 'poddisruptionbudgets', printer: podDisruptionBudgetPrinter },
];
