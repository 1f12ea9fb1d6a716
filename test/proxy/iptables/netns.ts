// Network namespaces for iptables-mode tests and benches: each run makes its own (named
// cx-ipt-<random>) and deletes them afterwards, so nothing here touches the host's tables or
// sends a packet outside them.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Why iptables-mode tests cannot run here, or undefined when they can. Under CI=true they must run. */
export async function iptablesUnavailable(): Promise<string | undefined> {
  if (process.env.CI === 'true') return undefined;
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and iptables)';
  try {
    await run('iptables', ['-V']);
    await run('ip', ['-V']);
  } catch {
    return 'needs iptables and iproute2';
  }
  return undefined;
}

export async function sh(argv: string[], input?: string): Promise<string> {
  if (input === undefined) return (await run(argv[0]!, argv.slice(1), { maxBuffer: 256 << 20 })).stdout;
  return new Promise((resolve, reject) => {
    const child = execFile(argv[0]!, argv.slice(1), { maxBuffer: 256 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`${argv.join(' ')}: ${stderr}`)) : resolve(stdout)));
    child.stdin!.end(input);
  });
}

export class Netns {
  private constructor(readonly name: string) {}

  static async create(tag: string): Promise<Netns> {
    const ns = new Netns(`cx-ipt-${tag}-${randomBytes(3).toString('hex')}`);
    await sh(['ip', 'netns', 'add', ns.name]);
    await ns.ip('link', 'set', 'lo', 'up');
    return ns;
  }

  /** The prefix that runs a command inside this namespace. */
  get prefix(): string[] {
    return ['ip', 'netns', 'exec', this.name];
  }

  ip(...args: string[]): Promise<string> {
    return sh(['ip', '-n', this.name, ...args]);
  }

  exec(argv: string[], input?: string): Promise<string> {
    return sh([...this.prefix, ...argv], input);
  }

  /** A long-running process inside the namespace (its PID is the process itself: `ip netns exec` execs). */
  spawn(argv: string[]): ChildProcess {
    return spawn(this.prefix[0]!, [...this.prefix.slice(1), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  async delete(): Promise<void> {
    await sh(['ip', 'netns', 'del', this.name]).catch(() => {});
  }
}

/** A veth pair between `a` and `b`, with the given addresses (CIDR notation), both ends up. */
export async function vethPair(a: Netns, aName: string, aAddrs: string[], b: Netns, bName: string, bAddrs: string[]): Promise<void> {
  await a.ip('link', 'add', aName, 'type', 'veth', 'peer', 'name', bName, 'netns', b.name);
  for (const addr of aAddrs) await a.ip('addr', 'add', addr, 'dev', aName);
  for (const addr of bAddrs) await b.ip('addr', 'add', addr, 'dev', bName);
  await a.ip('link', 'set', aName, 'up');
  await b.ip('link', 'set', bName, 'up');
}

/**
 * An HTTP server in `ns` on 0.0.0.0:`port` answering each request with JSON
 * {server: the address it was reached on, client: the peer address}. Resolves once listening.
 */
export async function startEchoServer(ns: Netns, port: number): Promise<ChildProcess> {
  const script = `
    const http = require('node:http');
    const s = http.createServer((req, res) => {
      res.setHeader('Connection', 'close');
      res.end(JSON.stringify({ server: req.socket.localAddress, client: req.socket.remoteAddress }));
    });
    s.listen(${port}, '0.0.0.0', () => process.stdout.write('ready\\n'));
    process.on('SIGTERM', () => process.exit(0));`;
  const child = ns.spawn([process.execPath, '-e', script]);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('echo server did not start')), 10_000);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return child;
}

export interface Answer {
  server?: string;
  client?: string;
  /** The error code when the request failed (ECONNREFUSED, timeout, …). */
  error?: string;
}

/** `count` sequential HTTP GETs from inside `ns` (each on a new connection), each bounded by `timeoutMs`. */
export async function requestsFrom(ns: Netns, host: string, port: number, count: number, timeoutMs = 2000): Promise<Answer[]> {
  const script = `
    const http = require('node:http');
    const one = () => new Promise((resolve) => {
      const req = http.get({ host: ${JSON.stringify(host)}, port: ${port}, path: '/', agent: false, timeout: ${timeoutMs} }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => { try { resolve(JSON.parse(body)); } catch { resolve({ error: 'bad body' }); } });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (e) => resolve({ error: e.code || e.message }));
    });
    (async () => { const out = []; for (let i = 0; i < ${count}; i++) out.push(await one()); process.stdout.write(JSON.stringify(out)); })();`;
  return JSON.parse(await ns.exec([process.execPath, '-e', script])) as Answer[];
}

/** Stops a process this test started, by its PID, and waits for it to exit. */
export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
