// Port forwarding over the channel.k8s.io WebSocket protocol (v4.channel.k8s.io), used by
// client libraries such as @kubernetes/client-node: the ports come from the `port` query
// parameters; port i gets channel 2i for data and 2i+1 for errors, and the server's first
// message on each of them is the port number (2 bytes, little-endian), as upstream's
// kubelet portforward/websocket.go.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { PortForwardTarget } from './port-forward.js';

export const PORT_FORWARD_WEBSOCKET_PROTOCOL = 'v4.channel.k8s.io';

export class PortForwardOptionsError extends Error {
  override name = 'PortForwardOptionsError';
}

/** `port` (repeated, or comma-separated) and `ports` both name the ports to forward. */
export function parsePorts(query: URLSearchParams): number[] {
  const texts = [...query.getAll('port'), ...query.getAll('ports')].flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (texts.length === 0) throw new PortForwardOptionsError('query parameter "port" is required');
  return texts.map((t) => {
    const n = Number(t);
    if (!/^\d+$/.test(t) || n < 1 || n > 65535) throw new PortForwardOptionsError(`unable to parse "${t}" as a port: must be between 1 and 65535`);
    return n;
  });
}

export function servePortForwardWebSocket(ws: WebSocket, ports: number[], target: PortForwardTarget): void {
  const sockets: (Socket | undefined)[] = [];
  const pending: Buffer[][] = ports.map(() => []);
  let open = ports.length;
  const send = (channel: number, payload: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), payload]), { binary: true });
  };
  const portBytes = (port: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(port);
    return b;
  };
  const done = () => {
    if (--open === 0 && ws.readyState === ws.OPEN) ws.close(1000);
  };

  ws.on('error', () => undefined);
  ws.on('close', () => {
    for (const s of sockets) s?.destroy();
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const channel = data[0];
    const index = channel >> 1;
    if (channel % 2 !== 0 || index >= ports.length) return;
    const payload = Buffer.from(data.subarray(1));
    const socket = sockets[index];
    if (socket) socket.write(payload);
    else pending[index].push(payload);
  });

  ports.forEach((port, i) => {
    send(2 * i, portBytes(port));
    send(2 * i + 1, portBytes(port));
    target.dial(port).then(
      (socket) => {
        if (ws.readyState !== ws.OPEN) {
          socket.destroy();
          return;
        }
        sockets[i] = socket;
        for (const chunk of pending[i].splice(0)) socket.write(chunk);
        socket.on('data', (chunk: Buffer) => send(2 * i, chunk));
        socket.on('error', (err) => send(2 * i + 1, Buffer.from(err.message)));
        socket.once('close', done);
      },
      (err: unknown) => {
        const reason = err instanceof Error ? err.message : String(err);
        send(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod ${target.podName}, uid ${target.uid}: ${reason}`));
        done();
      },
    );
  });
}
