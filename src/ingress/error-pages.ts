// The small pages the proxy answers itself with, like nginx's built-in error pages.
import { STATUS_CODES } from 'node:http';

export function errorPage(status: number): { body: string; headers: Record<string, string> } {
  const title = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
  const body = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>coxswain</center>\r\n</body>\r\n</html>\r\n`;
  return {
    body,
    headers: { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(body)) },
  };
}

/** A whole HTTP/1.1 response as bytes, for sockets taken over by an upgrade request. */
export function rawErrorResponse(status: number): string {
  const { body, headers } = errorPage(status);
  const head = Object.entries({ ...headers, connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}\r\n${body}`;
}
