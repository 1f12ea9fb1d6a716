// Runs the real kubectl against the plain-HTTP test server.
import { execFile } from 'node:child_process';

export const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectl(serverUrl: string, args: string[], timeoutMs = 30_000): Promise<KubectlResult> {
  return new Promise((resolve) => {
    execFile(KUBECTL, ['-s', serverUrl, ...args], {
      timeout: timeoutMs,
      env: { ...process.env, KUBECONFIG: '/nonexistent/kubeconfig', HOME: '/tmp' },
    }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** kubectl that must succeed; returns its stdout. */
export async function kubectlOk(serverUrl: string, args: string[], timeoutMs?: number): Promise<string> {
  const r = await kubectl(serverUrl, args, timeoutMs);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}
