// Authentication: who is calling. For now, X.509 client certificates signed by the
// cluster CA (the TLS layer verifies the chain); RBAC and tokens come later.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface UserInfo {
  name: string;
  groups: string[];
}

export interface Authenticator {
  authenticate(req: IncomingMessage): UserInfo | undefined;
}

export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

/** Reads CN (user) and O (groups) from a client certificate that chained to our CA. */
export class ClientCertAuthenticator implements Authenticator {
  authenticate(req: IncomingMessage): UserInfo | undefined {
    const socket = req.socket as TLSSocket;
    if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
    const cert = socket.getPeerCertificate();
    if (!cert || !cert.subject) return undefined;
    const cn = cert.subject.CN;
    const o = cert.subject.O;
    const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
    return { name: (Array.isArray(cn) ? cn[0] : cn) ?? '', groups: [...groups, 'system:authenticated'] };
  }
}

/** In-process callers are trusted and identify themselves. */
export class FixedAuthenticator implements Authenticator {
  constructor(private readonly user: UserInfo) {}
  authenticate(): UserInfo {
    return this.user;
  }
}
