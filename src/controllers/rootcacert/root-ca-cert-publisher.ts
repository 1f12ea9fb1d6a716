// Upstream's root-ca-cert-publisher: every namespace gets a ConfigMap `kube-root-ca.crt`
// holding the cluster CA, which the kube-api-access projected volume mounts as ca.crt so pods
// can verify the API server at kubernetes.default.svc. Edits and deletions are put back.
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1.js';
import type { ControllerContext } from '../controller.js';
import { QueueController } from '../controller.js';
import type { SharedIndexInformer } from '../../client/shared-informer.js';
import { configMaps, namespaces } from '../../client/resources.js';
import { AlreadyExistsError, NotFoundError } from '../../api/errors.js';

export const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';
const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export class RootCaCertPublisher extends QueueController {
  readonly name = 'root-ca-cert-publisher';
  private readonly namespaces: SharedIndexInformer<Namespace>;
  private readonly configMaps: SharedIndexInformer<ConfigMap>;

  constructor(ctx: ControllerContext, private readonly caPem: string) {
    super(ctx, 1);
    this.namespaces = ctx.informers.informerFor(namespaces);
    this.configMaps = ctx.informers.informerFor(configMaps);
    this.namespaces.addEventHandler({
      onAdd: (ns) => this.enqueue(ns.metadata!.name!),
      onUpdate: (_old, ns) => this.enqueue(ns.metadata!.name!),
    });
    const onConfigMap = (cm: ConfigMap) => {
      if (cm.metadata?.name === ROOT_CA_CONFIG_MAP) this.enqueue(cm.metadata.namespace!);
    };
    this.configMaps.addEventHandler({ onUpdate: (_old, cm) => onConfigMap(cm), onDelete: onConfigMap });
  }

  protected async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.lister.get(namespace);
    // A terminating namespace refuses new objects; the namespace controller empties it.
    if (!ns || ns.metadata?.deletionTimestamp) return;
    const client = this.ctx.client.resource(configMaps, namespace);
    const current = this.configMaps.lister.get(namespace, ROOT_CA_CONFIG_MAP);
    if (!current) {
      try {
        await client.create({
          apiVersion: 'v1', kind: 'ConfigMap',
          metadata: { name: ROOT_CA_CONFIG_MAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
          data: { 'ca.crt': this.caPem },
        });
      } catch (err) {
        // The cache lags a create made a moment ago; the update event brings it back here.
        if (!(err instanceof AlreadyExistsError)) throw err;
      }
      return;
    }
    const dataOk = current.data?.['ca.crt'] === this.caPem && Object.keys(current.data ?? {}).length === 1 && !current.binaryData;
    if (dataOk && current.metadata?.annotations?.[DESCRIPTION_ANNOTATION] === DESCRIPTION) return;
    try {
      await client.update({
        ...current,
        metadata: { ...current.metadata, annotations: { ...current.metadata?.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
        data: { 'ca.crt': this.caPem },
        binaryData: undefined,
      });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      this.enqueue(namespace);
    }
  }
}
