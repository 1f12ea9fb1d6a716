// Authorization: may this user do this verb on this resource? RBAC comes in a later issue;
// the admin certificate's system:masters group is always allowed, as upstream.
import type { UserInfo } from './authn.js';
import type { RequestInfo } from './request-info.js';

export interface Authorizer {
  authorize(user: UserInfo, info: RequestInfo): Promise<{ allowed: boolean; reason?: string }>;
}

export class AllowAllAuthorizer implements Authorizer {
  async authorize(): Promise<{ allowed: boolean }> {
    return { allowed: true };
  }
}
