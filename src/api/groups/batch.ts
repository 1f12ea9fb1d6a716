// batch/v1 kinds.
import type { KindDef } from '../kinds.js';
import { defaultCronJob, defaultJob } from '../defaults/batch.js';
import { validateCronJob, validateCronJobUpdate, validateJob, validateJobUpdate } from '../validation/batch.js';
import { defineKind, intFieldAt } from './define.js';

const batch = { group: 'batch', version: 'v1' } as const;

export const batchKinds: KindDef[] = [
  defineKind({
    ...batch, kind: 'Job', resource: 'jobs', singular: 'job', namespaced: true, categories: ['all'],
    subresources: ['status'], hasStatus: true,
    fieldSelectors: { 'status.successful': intFieldAt('status.succeeded') },
    applyDefaults: defaultJob, validate: validateJob, validateUpdate: validateJobUpdate,
  }),
  defineKind({
    ...batch, kind: 'CronJob', resource: 'cronjobs', singular: 'cronjob', namespaced: true, shortNames: ['cj'],
    categories: ['all'], subresources: ['status'], hasStatus: true,
    applyDefaults: defaultCronJob, validate: validateCronJob, validateUpdate: validateCronJobUpdate,
  }),
];
