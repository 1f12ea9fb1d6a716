// The batch controllers, keyed by their kube-controller-manager --controllers names.
import type { ControllerFactory } from '../manager.js';
import { CronJobController } from './cronjob-controller.js';
import { JobController } from './job-controller.js';

export { JobController } from './job-controller.js';
export type { JobControllerOptions } from './job-controller.js';
export { CronJobController } from './cronjob-controller.js';
export type { CronJobControllerOptions } from './cronjob-controller.js';
export { parseSchedule } from './cron-schedule.js';
export type { Schedule } from './cron-schedule.js';

export const batchControllers: Record<string, ControllerFactory> = {
  job: (ctx) => new JobController(ctx),
  cronjob: (ctx) => new CronJobController(ctx),
};
