// Watches a Deployment's pods and checks an invariant on every event (issue 4: "a rolling
// update respects maxSurge/maxUnavailable at every step, checked on every watch event").
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../../../src/client/api-client.js';
import { InformerFactory } from '../../../src/client/informer-factory.js';
import { pods } from '../../../src/client/resources.js';

export interface PodWatch {
  /** Events seen while armed. */
  readonly events: number;
  readonly violations: string[];
  stop(): Promise<void>;
}

/** `check` gets the live (not terminating) pods carrying `app=<app>` and returns a violation text or undefined. */
export async function watchPodsInvariant(client: ApiClient, app: string, check: (live: Pod[]) => string | undefined): Promise<PodWatch> {
  const informers = new InformerFactory(client);
  const informer = informers.informerFor(pods);
  const state = { events: 0, violations: [] as string[] };
  const onEvent = () => {
    const live = informer.lister.list().filter((p) => p.metadata?.labels?.app === app && !p.metadata?.deletionTimestamp);
    state.events++;
    const v = check(live);
    if (v) state.violations.push(v);
  };
  // The initial list arrives one onAdd at a time: judge only the complete picture after it.
  informer.addEventHandler({ onAdd: (_p, initial) => { if (!initial) onEvent(); }, onUpdate: onEvent, onDelete: onEvent });
  informers.start();
  await informers.waitForSync();
  return {
    get events() {
      return state.events;
    },
    violations: state.violations,
    stop: () => informers.stop(),
  };
}

export const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
