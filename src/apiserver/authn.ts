// Authentication: who is calling. For now, X.509 client certificates signed by the
// cluster CA (the TLS layer verifies the chain), and bootstrap tokens (bootstrap-token/).
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface UserInfo {
  name: string;
  groups: string[];
}

export interface Authenticator {
  /** undefined: these credentials are not for this authenticator (or there are none). */
  authenticate(req: IncomingMessage): UserInfo | undefined | Promise<UserInfo | undefined>;
}

/** As upstream's union authenticator: the first authenticator that knows the caller wins. */
export class UnionAuthenticator implements Authenticator {
  constructor(private readonly authenticators: Authenticator[]) {}

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    for (const a of this.authenticators) {
      const user = await a.authenticate(req);
      if (user) return user;
    }
    return undefined;
  }
}

export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

/**
 * Reads CN (user) and O (groups) from a client certificate that chained to our CA. The
 * certificate is fixed for a connection, so the user is remembered per socket.
 */
export class ClientCertAuthenticator implements Authenticator {
  private readonly bySocket = new WeakMap<object, UserInfo | null>();

  authenticate(req: IncomingMessage): UserInfo | undefined {
    const socket = req.socket as TLSSocket;
    const known = this.bySocket.get(socket);
    if (known !== undefined) return known ?? undefined;
    const user = this.fromCertificate(socket);
    this.bySocket.set(socket, user ?? null);
    return user;
  }

  private fromCertificate(socket: TLSSocket): UserInfo | undefined {
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
