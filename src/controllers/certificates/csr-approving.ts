// Auto-approves kubelet client certificate requests, as upstream's csrapproving controller:
// a bootstrapping node (group system:bootstrappers, upstream's "nodeclient" permission)
// asking for system:node:<any>, or a node renewing its own certificate ("selfnodeclient").
// Upstream asks RBAC through SubjectAccessReviews; without RBAC the groups decide here.
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { ControllerContext } from '../controller.js';
import { QueueController } from '../controller.js';
import type { SharedIndexInformer } from '../../client/shared-informer.js';
import { certificateSigningRequests, conditionOf, KUBELET_CLIENT_SIGNER } from './csr-resource.js';
import { kubeletClientProblem, parseCsrRequest } from './node-client-csr.js';

const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';

export class CsrApprovingController extends QueueController {
  readonly name = 'csrapproving';
  private readonly informer: SharedIndexInformer<CertificateSigningRequest>;

  constructor(ctx: ControllerContext) {
    super(ctx, 1);
    this.informer = ctx.informers.informerFor(certificateSigningRequests);
    this.informer.addEventHandler({
      onAdd: (csr) => this.enqueue(csr.metadata!.name!),
      onUpdate: (_old, csr) => this.enqueue(csr.metadata!.name!),
    });
  }

  protected async sync(key: string): Promise<void> {
    const csr = this.informer.lister.get(key);
    if (!csr || csr.spec?.signerName !== KUBELET_CLIENT_SIGNER) return;
    if (conditionOf(csr, 'Approved') || conditionOf(csr, 'Denied') || csr.status?.certificate) return;
    let request;
    try {
      request = parseCsrRequest(csr);
    } catch {
      return; // the signer fails it; nothing to approve
    }
    if (kubeletClientProblem(csr, request)) return;
    const cn = request.subjectName.getField('CN')[0];
    const groups = csr.spec?.groups ?? [];
    const renewingSelf = csr.spec?.username === cn && groups.includes('system:nodes');
    if (!groups.includes(BOOTSTRAPPERS_GROUP) && !renewingSelf) return;
    const now = new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const approved: CertificateSigningRequest = {
      ...csr,
      status: {
        ...csr.status,
        conditions: [
          ...(csr.status?.conditions ?? []),
          {
            type: 'Approved', status: 'True', reason: 'AutoApproved',
            message: 'Auto approving kubelet client certificate after SubjectAccessReview.',
            lastUpdateTime: now, lastTransitionTime: now,
          },
        ],
      },
    };
    // As upstream's approver: Approved is written through /approval (/status may not add it).
    await this.ctx.client.resource(certificateSigningRequests).updateSubresource(key, 'approval', approved);
    this.logger.info('approved certificate signing request', { csr: key, user: csr.spec?.username });
  }
}
