import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runUp, UpError } from '../../src/cli/up.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('runUp', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'coxswain-up-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('starts an API server that kubectl reaches with the written kubeconfig, and stops cleanly', async () => {
    const dataDir = join(root, 'first');
    const cluster = await runUp({ dataDir, port: 0, bindAddress: '127.0.0.1' });
    try {
      assert.match(cluster.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(cluster.kubeconfigPath, join(dataDir, 'kubeconfig.yaml'));
      assert.equal((await readFile(join(dataDir, 'coxswain.pid'), 'utf8')).trim(), String(process.pid));
      const { stdout } = await run('/usr/bin/kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'get', '--raw', '/version']);
      assert.equal(typeof JSON.parse(stdout).gitVersion, 'string');
    } finally {
      await cluster.stop();
    }
    assert.equal(await exists(join(dataDir, 'coxswain.pid')), false, 'lock released');
    assert.equal(await exists(join(dataDir, 'kubeconfig.yaml')), true, 'kubeconfig kept');
    await cluster.stop(); // idempotent
  });

  it('refuses a second cluster on the same data dir', async () => {
    const dataDir = join(root, 'twice');
    const cluster = await runUp({ dataDir, port: 0, bindAddress: '127.0.0.1' });
    try {
      await assert.rejects(runUp({ dataDir, port: 0, bindAddress: '127.0.0.1' }), (err: unknown) => {
        assert.ok(err instanceof UpError);
        assert.match(err.message, /another coxswain \(pid \d+\) is using .*; stop it first or pass a different --data-dir/);
        return true;
      });
    } finally {
      await cluster.stop();
    }
  });

  it('explains a port in use and leaves the data dir unlocked', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const port = (blocker.address() as { port: number }).port;
    const dataDir = join(root, 'busy-port');
    try {
      await assert.rejects(runUp({ dataDir, port, bindAddress: '127.0.0.1' }), (err: unknown) => {
        assert.ok(err instanceof UpError);
        assert.equal(err.message, `port ${port} is in use on 127.0.0.1; stop what is listening there or pass --port <n>`);
        return true;
      });
    } finally {
      await new Promise<void>((done) => blocker.close(() => done()));
    }
    assert.equal(await exists(join(dataDir, 'coxswain.pid')), false);
  });

  it('keeps the CA and the admin credentials across restarts', async () => {
    const dataDir = join(root, 'restart');
    const first = await runUp({ dataDir, port: 0, bindAddress: '127.0.0.1' });
    await first.stop();
    const caBefore = await readFile(join(dataDir, 'tls', 'ca.crt'), 'utf8');
    const adminBefore = await readFile(join(dataDir, 'tls', 'admin.crt'), 'utf8');
    const second = await runUp({ dataDir, port: 0, bindAddress: '127.0.0.1' });
    await second.stop();
    assert.equal(await readFile(join(dataDir, 'tls', 'ca.crt'), 'utf8'), caBefore);
    assert.equal(await readFile(join(dataDir, 'tls', 'admin.crt'), 'utf8'), adminBefore);
  });

  it('undoes its steps when aborted before it finishes', async () => {
    const dataDir = join(root, 'aborted');
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(runUp({ dataDir, port: 0, bindAddress: '127.0.0.1', signal: controller.signal }), UpError);
    assert.equal(await exists(join(dataDir, 'coxswain.pid')), false);
  });
});

describe('coxswain command', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'coxswain-cmd-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('prints its version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    const { stdout } = await run(process.execPath, [MAIN, 'version']);
    assert.match(stdout, new RegExp(`^coxswain ${pkg.version.replace(/\./g, '\\.')} \\(node v`));
  });

  it('up prints how to use the cluster, then stops on SIGINT with status 0', async () => {
    const dataDir = join(root, 'cmd');
    const child = spawn(process.execPath, [MAIN, 'up', '--data-dir', dataDir, '--port', '0', '--no-dns', '--ingress-http-port', '0', '--ingress-https-port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    await new Promise<void>((done, fail) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('Press Ctrl-C to stop.')) done();
      });
      void exited.then((code) => fail(new Error(`exited early with ${code}: ${stderr}`)));
    });
    const kubeconfig = join(dataDir, 'kubeconfig.yaml');
    assert.match(stdout, /API server: https:\/\/127\.0\.0\.1:\d+/);
    assert.ok(stdout.includes(`export KUBECONFIG=${kubeconfig}\n`), stdout);
    assert.ok(stdout.includes('kubectl get namespaces'));
    assert.match(stderr, /^ok {4}Locking data dir/m, 'plain progress lines when not a TTY');
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    assert.equal(await exists(join(dataDir, 'coxswain.pid')), false);
  });
});
