import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpTransport } from '../../src/client/http-transport.js';

describe('HttpTransport reads whole response bodies', () => {
  let server: http.Server;
  let transport: HttpTransport;

  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/chunks') {
        // Several writes: the body arrives in several chunks.
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"items":[');
        setImmediate(() => {
          res.write('1,2,');
          setImmediate(() => res.end('3]}'));
        });
        return;
      }
      if (req.url === '/cut') {
        // Promises more than it sends, then drops the connection.
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
        res.write('{"partial":');
        setImmediate(() => res.socket?.destroy());
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Twice': ['a', 'b'] });
      res.end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    transport = new HttpTransport({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });

  after(async () => {
    transport.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('joins a body sent in several chunks', async () => {
    const res = await transport.request({ method: 'GET', path: '/chunks' });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body.toString('utf8')), { items: [1, 2, 3] });
  });

  it('gives headers in lower case, repeated ones joined', async () => {
    const res = await transport.request({ method: 'GET', path: '/one' });
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.headers['x-twice'], 'a, b');
    assert.equal(res.body.toString('utf8'), '{"ok":true}');
  });

  it('rejects when the connection is lost before the body is complete', async () => {
    await assert.rejects(transport.request({ method: 'GET', path: '/cut' }));
  });
});
