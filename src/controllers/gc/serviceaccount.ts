// The ServiceAccount controller (upstream's pkg/controller/serviceaccount
// serviceaccounts_controller.go): every active namespace has a `default` ServiceAccount, made
// again if it is deleted.
import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { DeletedFinalStateUnknown } from '../../client/indexer.js';
import { isAlreadyExists } from '../../client/errors.js';
import type { Lister } from '../../client/lister.js';
import { namespaces, serviceAccounts } from '../../client/resources.js';
import type { ControllerContext } from '../controller.js';
import { QueueController } from '../controller.js';

/** The accounts ensured in every namespace (upstream's DefaultServiceAccountsControllerOptions). */
export const SERVICE_ACCOUNTS_TO_ENSURE = ['default'];

export class ServiceAccountController extends QueueController {
  readonly name = 'serviceaccount';
  private readonly namespaceLister: Lister<Namespace>;
  private readonly accountLister: Lister<ServiceAccount>;

  constructor(ctx: ControllerContext, private readonly accounts: string[] = SERVICE_ACCOUNTS_TO_ENSURE) {
    super(ctx, 1);
    const nsInformer = ctx.informers.informerFor(namespaces);
    const saInformer = ctx.informers.informerFor(serviceAccounts);
    this.namespaceLister = nsInformer.lister;
    this.accountLister = saInformer.lister;
    nsInformer.addEventHandler({
      onAdd: (ns) => this.enqueue(ns.metadata!.name!),
      onUpdate: (_old, ns) => this.enqueue(ns.metadata!.name!),
    });
    saInformer.addEventHandler({
      onDelete: (obj) => {
        const sa = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
        if (sa.metadata?.namespace && this.accounts.includes(sa.metadata.name ?? '')) this.enqueue(sa.metadata.namespace);
      },
    });
  }

  protected override async sync(namespace: string): Promise<void> {
    const ns = this.namespaceLister.get(namespace);
    if (!ns) return;
    // As upstream: nothing is made in a namespace that is going away.
    if ((ns.status?.phase ?? 'Active') !== 'Active' || ns.metadata?.deletionTimestamp) return;
    const failures: string[] = [];
    for (const name of this.accounts) {
      if (this.accountLister.get(namespace, name)) continue;
      try {
        await this.ctx.client.resource(serviceAccounts, namespace).create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
      } catch (err) {
        if (isAlreadyExists(err) || isNamespaceTerminating(err)) continue;
        failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (failures.length) throw new Error(`could not create service accounts in ${namespace}: ${failures.join('; ')}`);
  }
}

/** The create was refused because the namespace is terminating (upstream's NamespaceTerminatingCause). */
function isNamespaceTerminating(err: unknown): boolean {
  const causes = (err as { details?: { causes?: { reason?: string }[] } }).details?.causes ?? [];
  return causes.some((c) => c.reason === 'NamespaceTerminating');
}
