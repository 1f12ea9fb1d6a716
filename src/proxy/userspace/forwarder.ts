// What a listener forwards to, and what every listener can do. A listener is bound to one
// ip:port and protocol; the service port behind it can change without rebinding.
import type { EndpointInfo, ProxyProtocol } from './service-ports.js';

export interface ForwardTarget {
  /** The service port in logs: `namespace/name:port`. */
  readonly name: string;
  /** The backend for a new connection or session; `reset` after a failed dial. */
  pick(clientIp: string | undefined, reset: boolean): EndpointInfo | undefined;
}

export interface Forwarder {
  readonly protocol: ProxyProtocol;
  readonly ip: string;
  readonly port: number;
  target: ForwardTarget;
  /** Binds; rejects with the bind error (EADDRINUSE, EADDRNOTAVAIL, EACCES…). */
  listen(): Promise<void>;
  /**
   * Stops listening. Open TCP connections and UDP sessions carry on until they end, as
   * established flows survive a rule change upstream, unless `dropConnections`.
   */
  close(dropConnections: boolean): Promise<void>;
  /** Open connections (TCP) or sessions (UDP). */
  readonly active: number;
}

export function listenerKey(protocol: ProxyProtocol, ip: string, port: number): string {
  return ip.includes(':') ? `${protocol}/[${ip}]:${port}` : `${protocol}/${ip}:${port}`;
}
