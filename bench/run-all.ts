// Runs every benchmark in sequence, each in its own process (so one's heap and sockets do
// not colour the next), and prints one combined JSON object with the first-cut targets.
// Run: npm run bench
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHMARKS = ['store', 'api-latency', 'watch-latency', 'idle-rss'] as const;
const TIMEOUT_MS = 10 * 60_000;

type Figures = Record<string, unknown> & { targets?: Record<string, { target: number; actual: number; met: boolean }> };

function runOne(name: string): Promise<Figures> {
  const script = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => chunks.push(c));
    const timer = setTimeout(() => process.kill(child.pid!, 'SIGKILL'), TIMEOUT_MS);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const out = Buffer.concat(chunks).toString('utf8');
      if (code !== 0) return reject(new Error(`bench ${name} exited with ${code ?? signal}: ${out.slice(-2000)}`));
      try {
        resolve(JSON.parse(out) as Figures);
      } catch {
        reject(new Error(`bench ${name} printed no JSON: ${out.slice(-2000)}`));
      }
    });
  });
}

async function main(): Promise<void> {
  const results: Record<string, Figures | { error: string }> = {};
  const targets: Record<string, unknown> = {};
  let failed = false;
  for (const name of BENCHMARKS) {
    process.stderr.write(`bench: ${name}…\n`);
    try {
      const figures = await runOne(name);
      results[name] = figures;
      for (const [key, t] of Object.entries(figures.targets ?? {})) targets[key] = t;
    } catch (err) {
      failed = true;
      results[name] = { error: (err as Error).message };
    }
  }
  const combined = {
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    date: new Date().toISOString(),
    targets,
    allTargetsMet: !failed && Object.values(targets).every((t) => (t as { met: boolean }).met),
    results,
  };
  process.stdout.write(JSON.stringify(combined, null, 2) + '\n');
  if (failed) process.exitCode = 1;
}

await main();
