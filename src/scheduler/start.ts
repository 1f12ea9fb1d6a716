// Entry point for the scheduler in `coxswain up` / `coxswain server`.
import type { ApiClient } from '../client/api-client.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';

export { Scheduler, type SchedulerOptions } from './scheduler.js';

/** Builds and starts a scheduler (informers synced, loop running or campaigning for the lease). */
export async function startScheduler(client: ApiClient, opts: Omit<SchedulerOptions, 'client'> = {}): Promise<Scheduler> {
  const s = new Scheduler({ ...opts, client });
  try {
    await s.start();
  } catch (err) {
    await s.stop();
    throw err;
  }
  return s;
}
