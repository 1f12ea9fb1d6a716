// `coxswain agent --server URL --token T`: a kubelet for this machine against a remote
// server (DESIGN.md §1, like `k3s agent`). The first start joins with the token (see
// agent-bootstrap.ts); later starts reuse <data-dir>/kubelet.kubeconfig and need no token.
// `coxswain token` prints the server's join token.
import { existsSync } from 'node:fs';
import { hostname, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { UnauthorizedError } from '../api/errors.js';
import { readServerToken, serverTokenPath } from '../apiserver/bootstrap-token/node-join.js';
import { clientFromKubeconfig } from '../client/connect.js';
import { loadKubeconfigFile } from '../client/kubeconfig.js';
import { nodes } from '../client/resources.js';
import { createLogger, type LogLevel } from '../logger.js';
import { startServiceProxy } from '../proxy/index.js';
import { startKubelet } from '../kubelet/kubelet.js';
import { ProcessRuntime } from '../kubelet/runtime/process/index.js';
import { SimRuntime } from '../kubelet/runtime/sim/index.js';
import { StreamingServer } from '../kubelet/streaming/server.js';
import { RuntimeStreamingBackend } from '../kubelet/runtime-streaming-backend.js';
import { AgentJoinError, bootstrapNodeCredentials } from './agent-bootstrap.js';
import { DataDirLockedError, lockDataDir } from './data-dir-lock.js';
import { silentProgress, terminalProgress, type Progress } from './progress.js';
import { nodeNameFromHostname } from './up.js';
import { sharedIdleGate } from '../client/idle-gate.js';
import { processRuntimeDirs, removeProcessRuntimeState } from '../kubelet/runtime/process/state-dir.js';

export const KUBELET_KUBECONFIG_FILE_NAME = 'kubelet.kubeconfig';
/** The kubelet's port, as upstream's --port default. */
export const DEFAULT_KUBELET_PORT = 10250;

export interface AgentOptions {
  /** The API server, e.g. https://192.168.1.10:6443. */
  server: string;
  /** Needed on the first start only (no kubelet.kubeconfig yet). */
  token?: string;
  dataDir: string;
  nodeName?: string;
  runtime?: 'process' | 'sim';
  /** Port of the kubelet's streaming server (logs, exec, port-forward); 0 picks one. */
  kubeletPort?: number;
  /** Address the node reports and the API server reaches the kubelet on. */
  nodeIP?: string;
  logLevel?: LogLevel;
  progress?: Progress;
}

export interface RunningAgent {
  readonly nodeName: string;
  readonly kubeconfigPath: string;
  /** Stops the kubelet and the pods' processes, releases the data dir. Idempotent. */
  stop(): Promise<void>;
}

export { AgentJoinError } from './agent-bootstrap.js';

export async function runAgent(opts: AgentOptions): Promise<RunningAgent> {
  const progress = opts.progress ?? silentProgress;
  const dataDir = resolve(opts.dataDir);
  const nodeName = opts.nodeName ?? nodeNameFromHostname(hostname());
  const logger = createLogger(opts.logLevel ?? 'warn');
  const undo: Array<() => Promise<void>> = [];
  const undoAll = async (): Promise<void> => {
    for (const step of undo.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const lock = await lockDataDir(dataDir).catch((err: unknown) => {
      throw new AgentJoinError(err instanceof DataDirLockedError ? err.message : `cannot use data dir ${dataDir}: ${text(err)}; pass a writable --data-dir`);
    });
    undo.push(() => lock.release());

    const kubeconfigPath = join(dataDir, KUBELET_KUBECONFIG_FILE_NAME);
    if (!existsSync(kubeconfigPath)) {
      if (!opts.token) {
        throw new AgentJoinError(`no credentials in ${kubeconfigPath} yet: pass --token (run \`coxswain token\` on the server)`);
      }
      progress.start(`Joining ${opts.server} as node ${nodeName}`);
      try {
        await bootstrapNodeCredentials({ server: opts.server, token: opts.token, nodeName, kubeconfigPath });
        progress.succeed(`Joined; credentials in ${kubeconfigPath}`);
      } catch (err) {
        progress.fail();
        throw err;
      }
    }

    const caPem = String(loadKubeconfigFile(kubeconfigPath).caPem ?? '');
    const client = clientFromKubeconfig(kubeconfigPath, { userAgent: `coxswain-agent/${nodeName}` });
    // A quick authenticated call, so stale credentials fail with advice instead of kubelet retries.
    await client.resource(nodes).list({ limit: 1 }).catch((err: unknown) => {
      if (err instanceof UnauthorizedError) {
        throw new AgentJoinError(`the server rejected the credentials in ${kubeconfigPath}: remove that file and join again with --token`);
      }
      throw new AgentJoinError(`cannot reach the server in ${kubeconfigPath}: ${text(err)}; check that the server is running`);
    });

    const runtimeName = opts.runtime ?? 'process';
    const runtime = runtimeName === 'sim' ? new SimRuntime() : new ProcessRuntime(processRuntimeDirs(dataDir));
    const nodeIP = opts.nodeIP ?? '127.0.0.1';
    const streaming = new StreamingServer({
      backend: new RuntimeStreamingBackend(runtime), bindAddress: nodeIP, port: opts.kubeletPort ?? DEFAULT_KUBELET_PORT,
      logger: logger.child({ component: 'kubelet-streaming' }),
    });
    await streaming.start().catch((err: unknown) => {
      throw new AgentJoinError(`cannot listen on ${nodeIP}:${opts.kubeletPort ?? DEFAULT_KUBELET_PORT} for the kubelet: ${text(err)}; pass another --kubelet-port`);
    });
    undo.push(() => streaming.stop());

    progress.start(`Starting kubelet on node ${nodeName} (${runtimeName} runtime)`);
    const kubelet = await startKubelet(client, {
      nodeName, runtime, rootDir: join(dataDir, 'kubelet'), caCertPem: caPem, nodeIP,
      kubeletPort: streaming.address.port, logger: logger.child({ component: 'kubelet' }), eventGate: sharedIdleGate(),
    }).catch((err: unknown) => {
      progress.fail();
      throw new AgentJoinError(`cannot start the kubelet: ${text(err)}`, { cause: err });
    });
    progress.succeed(`Kubelet running on node ${nodeName}`);
    undo.push(async () => {
      await kubelet.stop();
      await runtime.stopAll();
      // Nothing runs any more: its memory-backed records go too.
      if (runtimeName === 'process') removeProcessRuntimeState(dataDir);
    });
    if (runtimeName === 'process') {
      // kube-proxy's job on this node: ClusterIPs, NodePorts and load balancer ports.
      const proxy = await startServiceProxy(client, { mode: 'userspace', nodeName, nodeAddresses: [nodeIP], logger: logger.child({ component: 'proxy' }) });
      undo.push(() => proxy.stop());
    }

    let stopping: Promise<void> | undefined;
    return { nodeName, kubeconfigPath, stop: () => (stopping ??= undoAll()) };
  } catch (err) {
    await undoAll();
    throw err;
  }
}

interface AgentFlags {
  server: string;
  token?: string;
  dataDir: string;
  nodeName?: string;
  runtime: 'process' | 'sim';
  kubeletPort: number;
  nodeIp: string;
  logLevel: LogLevel;
}

async function agentCommand(flags: AgentFlags): Promise<void> {
  let agent: RunningAgent | undefined;
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    if (!agent) process.exit(0);
    agent.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    agent = await runAgent({
      server: flags.server, token: flags.token, dataDir: flags.dataDir, nodeName: flags.nodeName, runtime: flags.runtime,
      kubeletPort: flags.kubeletPort, nodeIP: flags.nodeIp, logLevel: flags.logLevel, progress: terminalProgress(process.stderr),
    });
  } catch (err) {
    process.stderr.write(`error: ${text(err)}\n`);
    if (!(err instanceof AgentJoinError) && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  }
  process.stdout.write(`Coxswain agent is running: node ${agent.nodeName} joined ${flags.server}. Press Ctrl-C to stop.\n`);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('expected a port number (0 picks a free port)');
  return port;
}

export function registerAgentCommands(program: Command, defaultServerDataDir: string): void {
  program
    .command('agent')
    .description('run a kubelet for this machine against a remote server (joins with --token the first time)')
    .addOption(new Option('--server <url>', 'the API server, e.g. https://10.0.0.1:6443').env('COXSWAIN_URL').makeOptionMandatory())
    .addOption(new Option('--token <token>', 'join token (`coxswain token` on the server); only needed to join').env('COXSWAIN_TOKEN'))
    .addOption(
      new Option('--data-dir <dir>', 'where the agent keeps its credentials, pods and logs')
        .env('COXSWAIN_AGENT_DATA_DIR').default(join(homedir(), '.coxswain-agent'), '~/.coxswain-agent'),
    )
    .addOption(new Option('--node-name <name>', 'name of this node (default: the hostname)'))
    .addOption(new Option('--runtime <name>', 'container runtime').choices(['process', 'sim']).default('process'))
    .addOption(new Option('--kubelet-port <n>', 'port of the kubelet (logs, exec, port-forward); 0 picks one').argParser(parsePort).default(DEFAULT_KUBELET_PORT))
    .addOption(new Option('--node-ip <ip>', 'address the node reports and the server reaches the kubelet on').default('127.0.0.1'))
    .addOption(new Option('--log-level <level>', 'log verbosity (JSON lines on stderr)').choices(['error', 'warn', 'info', 'debug']).default('warn'))
    .action((flags: AgentFlags) => agentCommand(flags));

  program
    .command('token')
    .description('print the token agents join this server with (coxswain agent --token)')
    .addOption(new Option('--data-dir <dir>', 'the server\'s data dir').env('COXSWAIN_DATA_DIR').default(defaultServerDataDir, '~/.coxswain'))
    .action(async (flags: { dataDir: string }) => {
      const token = await readServerToken(resolve(flags.dataDir));
      if (!token) {
        process.stderr.write(`error: no join token in ${serverTokenPath(resolve(flags.dataDir))}: start the server (coxswain up) first\n`);
        process.exit(1);
      }
      process.stdout.write(`${token}\n`);
    });
}

function text(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
