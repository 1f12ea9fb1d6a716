// The node's heartbeat: a Lease named after the node in kube-node-lease, owned by the Node,
// renewed every 10 s with a 40 s duration (upstream's nodelease controller).
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/api-client.js';
import type { Clock } from '../client/clock.js';
import { isAlreadyExists, isConflict, isNotFound } from '../client/errors.js';
import { leases } from '../client/resources.js';
import { LEASE_DURATION_SECONDS, NODE_LEASE_NAMESPACE } from './constants.js';

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

export async function renewNodeLease(client: ApiClient, clock: Clock, node: Node): Promise<void> {
  const name = node.metadata!.name!;
  const api = client.resource(leases, NODE_LEASE_NAMESPACE);
  const spec = { holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(clock.now()) };
  let existing: Lease | undefined;
  try {
    existing = await api.get(name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!existing) {
    try {
      await api.create({
        metadata: {
          name,
          namespace: NODE_LEASE_NAMESPACE,
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata!.uid! }],
        },
        spec,
      });
      return;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      existing = await api.get(name);
    }
  }
  try {
    await api.update({ ...existing, spec: { ...existing.spec, ...spec } });
  } catch (err) {
    // Someone else wrote it meanwhile; the next renewal will do.
    if (!isConflict(err)) throw err;
  }
}
