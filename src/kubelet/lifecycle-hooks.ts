// postStart and preStop handlers (upstream's lifecycle.handlerRunner): exec in the container,
// an HTTP GET (a status from 200 to 399 succeeds), or sleep. A handler that fails is reported
// with the upstream-shaped message; the caller records the event and decides what follows.
import type { Container, LifecycleHandler, Pod } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../client/clock.js';
import { sleep } from '../client/clock.js';
import type { ContainerRuntime } from './runtime/types.js';
import { formatPod } from './pod-format.js';
import { runExec, runHttpGet } from './prober/probe-runner.js';

export class HookError extends Error {
  override readonly name = 'HookError';
}

export interface HookContext {
  runtime: ContainerRuntime;
  clock: Clock;
  host: string;
  /** Most the handler may take (the grace period for preStop). */
  timeoutSeconds: number;
  signal?: AbortSignal;
}

export async function runLifecycleHandler(handler: LifecycleHandler, pod: Pod, container: Container, containerId: string, ctx: HookContext): Promise<void> {
  if (handler.exec) {
    const r = await runExec(ctx.runtime, containerId, handler.exec, ctx.timeoutSeconds);
    if (!r.success) {
      const cmd = `[${(handler.exec.command ?? []).join(' ')}]`;
      throw new HookError(`Exec lifecycle hook (${cmd}) for Container "${container.name}" in Pod "${formatPod(pod)}" failed - error: command '${(handler.exec.command ?? []).join(' ')}' exited with non-zero code, message: ${JSON.stringify(r.output)}`);
    }
    return;
  }
  if (handler.httpGet) {
    const r = await runHttpGet(ctx.host, handler.httpGet, container, ctx.timeoutSeconds);
    if (!r.success) throw new HookError(`HTTP lifecycle hook (${handler.httpGet.path ?? '/'}) for Container "${container.name}" in Pod "${formatPod(pod)}" failed - error: ${r.output}`);
    return;
  }
  if (handler.sleep) {
    await sleep(ctx.clock, Math.min(handler.sleep.seconds, ctx.timeoutSeconds) * 1000, ctx.signal);
    return;
  }
  if (handler.tcpSocket) throw new HookError('tcpSocket lifecycle handlers are deprecated and not supported');
}
