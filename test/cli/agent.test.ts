// `coxswain agent` end to end: a server started with `coxswain up --no-kubelet`, an agent
// process joining it with the printed token, the node Ready in kubectl, clear failures for a
// wrong token, a wrong CA pin and an unreachable server, and a clean stop by PID.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { COXSWAIN_MAIN, processExists, startCoxswain, type RunningCoxswain } from '../e2e/coxswain-process.js';
import { kubectl as kubectlRunner, type Kubectl } from '../e2e/kubectl-runner.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/net.js';

interface AgentProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): { stdout: string; stderr: string };
}

function spawnCoxswain(args: string[]): AgentProcess {
  const child = spawn(process.execPath, [COXSWAIN_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/** Runs a command expected to fail quickly; kills it after the timeout so nothing is left behind. */
async function runToExit(args: string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnCoxswain(args);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, ...p.output() };
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

describe('coxswain agent', { timeout: 180_000 }, () => {
  let root: string;
  let server: RunningCoxswain;
  let kubectl: Kubectl;
  let token: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'coxswain-agent-'));
    server = await startCoxswain(join(root, 'server'));
    kubectl = kubectlRunner('kubectl', server.kubeconfigPath, join(root, 'kube-cache'));
    token = (await readFile(join(root, 'server', 'server', 'token'), 'utf8')).trim();
  });
  after(async () => {
    if (server) {
      assert.equal(await server.stop(), 0);
      assert.equal(processExists(server.pid), false);
    }
    await rm(root, { recursive: true, force: true });
  });

  it('the server keeps its join token readable only by its owner and prints how to join', async () => {
    assert.match(token, /^K10[0-9a-f]{64}::[a-z0-9]{6}\.[a-z0-9]{16}$/);
    assert.equal((await stat(join(root, 'server', 'server', 'token'))).mode & 0o777, 0o600);
    assert.ok(server.output().stdout.includes(`coxswain agent --server ${server.url} --token ${token}`), server.output().stdout);
    const printed = await runToExit(['token', '--data-dir', join(root, 'server')]);
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(printed.stdout.trim(), token);
  });

  it('the token is a bootstrap-token Secret that kubectl lists', async () => {
    const id = token.split('::')[1]!.split('.')[0]!;
    const out = await kubectl.ok(['get', 'secret', '-n', 'kube-system', `bootstrap-token-${id}`, '-o', 'jsonpath={.type}']);
    assert.equal(out, 'bootstrap.kubernetes.io/token');
  });

  it('joins with the token, gets a node certificate through a CSR, and its node becomes Ready', async () => {
    const agentDir = join(root, 'agent-1');
    const port = await freePort();
    const args = ['agent', '--server', server.url, '--node-name', 'agent-1', '--runtime', 'sim', '--kubelet-port', String(port), '--data-dir', agentDir];
    const agent = spawnCoxswain([...args, '--token', token]);
    try {
      await eventually(() => agent.output().stdout.includes('Coxswain agent is running'), 'the agent to start', {
        timeoutMs: 30_000,
      }).catch((err: Error) => { throw new Error(`${err.message}\n${agent.output().stderr}`); });

      const ready = await eventually(async () => {
        const r = await kubectl.run(['get', 'node', 'agent-1', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
        return r.code === 0 && r.stdout === 'True';
      }, 'node agent-1 to be Ready', { timeoutMs: 20_000, intervalMs: 200 });
      assert.ok(ready);

      // The agent's own credential: a client certificate for system:node:agent-1, kept 0600.
      const kubeconfigPath = join(agentDir, 'kubelet.kubeconfig');
      assert.equal((await stat(kubeconfigPath)).mode & 0o777, 0o600);
      const kubeconfig = parseYaml(await readFile(kubeconfigPath, 'utf8')) as any;
      assert.equal(kubeconfig.clusters[0].cluster.server, server.url);
      const cert = new X509Certificate(Buffer.from(kubeconfig.users[0].user['client-certificate-data'], 'base64'));
      assert.equal(cert.subject, 'CN=system:node:agent-1\nO=system:nodes');
      assert.ok(cert.checkIssued(new X509Certificate(server.caPem)));

      const csrs = JSON.parse(await kubectl.ok(['get', 'csr', '-o', 'json'])) as { items: any[] };
      const csr = csrs.items.find((c) => c.spec.signerName === 'kubernetes.io/kube-apiserver-client-kubelet');
      assert.ok(csr, 'a kubelet client CSR');
      assert.match(csr.spec.username, /^system:bootstrap:[a-z0-9]{6}$/);
      assert.ok(csr.spec.groups.includes('system:bootstrappers'));
      assert.equal(csr.status.conditions.find((c: any) => c.type === 'Approved')?.reason, 'AutoApproved');

      // Stopped by PID, it exits 0 and leaves nothing listening or locked.
      agent.child.kill('SIGTERM');
      assert.equal(await agent.exited, 0, agent.output().stderr);
      assert.equal(processExists(agent.child.pid!), false);
      assert.equal(await isListening(port), false);
      assert.equal(existsSync(join(agentDir, 'coxswain.pid')), false);

      // A restart needs no token: it reuses the stored kubeconfig.
      const again = spawnCoxswain(args);
      try {
        await eventually(() => again.output().stdout.includes('Coxswain agent is running') || again.child.exitCode !== null,
          'the agent to start again', { timeoutMs: 30_000 });
        assert.ok(again.output().stdout.includes('Coxswain agent is running'), again.output().stderr);
        assert.equal(again.output().stderr.includes('Joining'), false);
      } finally {
        if (again.child.exitCode === null) again.child.kill('SIGTERM');
        assert.equal(await again.exited, 0);
      }
    } finally {
      if (agent.child.exitCode === null && agent.child.signalCode === null) {
        agent.child.kill('SIGTERM');
        await agent.exited;
      }
    }
  });

  it('a wrong token fails with a clear message and a non-zero exit', async () => {
    const [pin] = token.split('::');
    const wrong = `${pin}::abcdef.0000000000000000`;
    const r = await runToExit(['agent', '--server', server.url, '--token', wrong, '--node-name', 'agent-2', '--runtime', 'sim',
      '--kubelet-port', '0', '--data-dir', join(root, 'agent-2')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the server rejected the join token: check `coxswain token` on the server/);
    assert.equal(existsSync(join(root, 'agent-2', 'kubelet.kubeconfig')), false);
  });

  it('a token pinning another CA is refused before the token is sent', async () => {
    const secret = token.split('::')[1]!;
    const r = await runToExit(['agent', '--server', server.url, '--token', `K10${'0'.repeat(64)}::${secret}`, '--node-name', 'agent-3',
      '--runtime', 'sim', '--kubelet-port', '0', '--data-dir', join(root, 'agent-3')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the server's CA does not match the join token/);
  });

  it('an unreachable server is named in the error', async () => {
    const port = await freePort();
    const r = await runToExit(['agent', '--server', `https://127.0.0.1:${port}`, '--token', token, '--node-name', 'agent-4',
      '--runtime', 'sim', '--kubelet-port', '0', '--data-dir', join(root, 'agent-4')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`cannot reach the server at https://127.0.0.1:${port}.*ECONNREFUSED`));
  });

  it('without stored credentials and without a token, says to pass --token', async () => {
    const r = await runToExit(['agent', '--server', server.url, '--node-name', 'agent-5', '--runtime', 'sim', '--kubelet-port', '0',
      '--data-dir', join(root, 'agent-5')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pass --token \(run `coxswain token` on the server\)/);
  });
});
