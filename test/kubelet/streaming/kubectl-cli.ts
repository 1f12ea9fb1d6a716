// Runs one kubectl version against the plain-HTTP test API server, optionally feeding stdin.
import { spawn, type ChildProcess } from 'node:child_process';

export const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class KubectlCli {
  constructor(readonly version: string, private readonly serverUrl: string, private readonly home: string) {}

  get binary(): string {
    return `${KUBECTL_DIR}/kubectl.${this.version}`;
  }

  spawn(args: string[]): ChildProcess {
    return spawn(this.binary, ['-s', this.serverUrl, '--cache-dir', `${this.home}/cache`, ...args], {
      env: { ...process.env, KUBECONFIG: '/nonexistent/kubeconfig', HOME: this.home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  run(args: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = this.spawn(args);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (c) => (stdout += c));
      child.stderr!.on('data', (c) => (stderr += c));
      if (opts.stdin !== undefined) child.stdin!.end(opts.stdin);
      else child.stdin!.end();
      const timer = setTimeout(() => {
        if (child.pid) process.kill(child.pid, 'SIGKILL');
        reject(new Error(`kubectl ${this.version} ${args.join(' ')} did not finish\nstdout: ${stdout}\nstderr: ${stderr}`));
      }, opts.timeoutMs ?? 30_000);
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }
}

/** Resolves with the accumulated output once `pattern` matches it (rejects after `timeoutMs`). */
export function waitForOutput(stream: NodeJS.ReadableStream, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (c: Buffer | string) => {
      text += c;
      const m = text.match(pattern);
      if (m) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(m);
      }
    };
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`timed out waiting for ${pattern}; got: ${text}`));
    }, timeoutMs);
    stream.on('data', onData);
  });
}
