// Runs a real kubectl binary against a kubeconfig, as a user would from a shell.
import { spawn, type ChildProcess } from 'node:child_process';

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Kubectl {
  readonly binary: string;
  /** Runs kubectl to completion; never rejects on a non-zero exit (callers assert on it). */
  run(args: string[], timeoutMs?: number): Promise<KubectlResult>;
  /** Runs kubectl and fails with its output unless it exits 0; returns stdout. */
  ok(args: string[]): Promise<string>;
  /** Starts a long-running kubectl (e.g. `get -w`); the caller stops it by its PID. */
  spawn(args: string[]): ChildProcess;
}

export function kubectl(binary: string, kubeconfigPath: string, cacheDir: string): Kubectl {
  // A private discovery cache per binary, so nothing lands in the user's ~/.kube.
  const common = ['--kubeconfig', kubeconfigPath, '--cache-dir', cacheDir];
  const env = { ...process.env, KUBECONFIG: '', HOME: cacheDir };
  const run = (args: string[], timeoutMs = 30_000): Promise<KubectlResult> =>
    new Promise((resolve, reject) => {
      const child = spawn(binary, [...common, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`kubectl ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
      }, timeoutMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  return {
    binary,
    run,
    async ok(args) {
      const r = await run(args);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
      return r.stdout;
    },
    spawn: (args) => spawn(binary, [...common, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] }),
  };
}
