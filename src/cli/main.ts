#!/usr/bin/env node
// The `coxswain` command. Subcommands are roles (DESIGN.md §1); `up` runs a whole
// single-node cluster in this process.
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { terminalProgress } from './progress.js';
import { runUp, UpError, type LogLevel, type RunningCluster } from './up.js';
import { parseControllerList } from './components.js';
import { registerStandaloneCommands } from './standalone.js';
import { registerImageCommand } from './image.js';
import { registerAgentCommands } from './agent.js';

function packageVersion(): string {
  // dist/src/cli/main.js → the package root is three levels up.
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('expected a port number from 1 to 65535 (0 picks a free port)');
  }
  return port;
}

interface UpFlags {
  dataDir: string;
  port: number;
  bindAddress: string;
  datastore?: string;
  runtime?: string;
  containerRuntimeEndpoint?: string;
  logLevel: LogLevel;
  controllers: string;
  scheduler: boolean;
  simNodes: number;
  kubelet: boolean;
  serviceCidr?: string;
  serviceNodePortRange?: string;
  ingress: boolean;
  dns: boolean;
  ingressHttpPort: number;
  ingressHttpsPort: number;
}

function parsePortOrZero(value: string): number {
  return value === '0' ? 0 : parsePort(value);
}

/** Root may listen on ports below 1024. */
function privileged(): boolean {
  return process.getuid?.() === 0;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

async function up(flags: UpFlags): Promise<void> {
  const out = process.stdout;
  const progress = terminalProgress(process.stderr);

  // Signals during start-up abort it (runUp undoes what it did); once running, the first
  // signal stops cleanly and a second one forces the exit.
  const starting = new AbortController();
  let cluster: RunningCluster | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`\nreceived ${signal} again; exiting without cleaning up\n`);
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    }
    stopping = true;
    if (!cluster) {
      starting.abort();
      return;
    }
    progress.start('Stopping');
    cluster.stop().then(
      () => {
        progress.succeed('Stopped');
        process.exit(0);
      },
      (err: unknown) => {
        progress.fail(`Stopping failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);


  try {
    cluster = await runUp({
      dataDir: flags.dataDir,
      port: flags.port,
      bindAddress: flags.bindAddress,
      datastore: flags.datastore,
      runtime: flags.runtime,
      containerRuntimeEndpoint: flags.containerRuntimeEndpoint,
      logLevel: flags.logLevel,
      progress,
      signal: starting.signal,
      controllers: parseControllerList(flags.controllers),
      scheduler: flags.scheduler,
      simNodes: flags.simNodes,
      kubelet: flags.kubelet,
      serviceCIDR: flags.serviceCidr,
      serviceNodePortRange: flags.serviceNodePortRange,
      dns: flags.dns,
      ingress: flags.ingress ? { httpPort: flags.ingressHttpPort, httpsPort: flags.ingressHttpsPort } : undefined,
    });
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (!(err instanceof UpError) && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exit(stopping ? 0 : 1);
  }

  out.write(
    [
      '',
      `Coxswain is running. API server: ${cluster.url}`,
      `Kubeconfig: ${cluster.kubeconfigPath}`,
      ...(cluster.ingress?.length ? [`Ingress: ${cluster.ingress.map((a) => a.url).join(', ')}`] : []),
      '',
      'To use it from this shell:',
      `  export KUBECONFIG=${cluster.kubeconfigPath}`,
      '  kubectl get namespaces',
      '',
      'To add a node, run on it:',
      `  coxswain agent --server ${cluster.url} --token ${cluster.joinToken}`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

const program = new Command()
  .name('coxswain')
  .description('A light, Kubernetes-compatible container orchestrator')
  .version(packageVersion(), '--version', 'print the version');

/** The flags `up` and `server` share. */
function clusterCommand(name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .addOption(
      new Option('--data-dir <dir>', 'where the cluster keeps its state, certificates and kubeconfig')
        .env('COXSWAIN_DATA_DIR')
        .default(join(homedir(), '.coxswain'), '~/.coxswain'),
    )
    .addOption(new Option('--port <n>', 'API server port').argParser(parsePort).default(6443))
    .addOption(new Option('--bind-address <ip>', 'address the API server listens on').default('127.0.0.1'))
    .addOption(
      new Option('--datastore <url>', 'sqlite://[path] (default: sqlite at <data-dir>/state.db) or memory://'),
    )
    .addOption(new Option('--runtime <name>', 'container runtime of the local kubelet').choices(['process', 'sim', 'cri']).default('process'))
    .addOption(new Option('--container-runtime-endpoint <url>', 'with --runtime cri: an existing CRI socket (unix:///run/containerd/containerd.sock); default: start our own containerd'))
    .addOption(new Option('--no-kubelet', 'do not run a kubelet for this machine'))
    .addOption(new Option('--log-level <level>', 'log verbosity (JSON lines on stderr)').choices(['error', 'warn', 'info', 'debug']).default('warn'))
    .addOption(new Option('--controllers <list>', 'controllers to run: * (all), names, -name to leave one out; "" for none').default('*'))
    .addOption(new Option('--no-scheduler', 'do not run the scheduler'))
    .addOption(new Option('--service-cidr <cidr>', 'ClusterIP range (default: 10.43.0.0/16 with the cri runtime, 127.43.0.0/16 otherwise)'))
    .addOption(new Option('--service-node-port-range <range>', 'NodePort range').default('30000-32767'))
    .addOption(new Option('--no-dns', 'do not run the cluster DNS server'))
    .addOption(new Option('--no-ingress', 'do not run the built-in ingress controller'))
    .addOption(new Option('--ingress-http-port <n>', 'HTTP port of the ingress controller (0: any free port)').argParser(parsePortOrZero).default(privileged() ? 80 : 8080, privileged() ? '80' : '8080 (80 as root)'))
    .addOption(new Option('--ingress-https-port <n>', 'HTTPS port of the ingress controller (0: any free port)').argParser(parsePortOrZero).default(privileged() ? 443 : 8443, privileged() ? '443' : '8443 (443 as root)'))
    .addOption(new Option('--sim-nodes <n>', 'register N simulated nodes that run pods without running anything').argParser(parseCount).default(0))
    .action(async (flags: UpFlags) => {
      await up(flags);
    });
}

clusterCommand('up', 'run a single-node cluster in this process');
clusterCommand('server', 'run the control plane (API server, controller manager, scheduler) and, unless --no-kubelet, an embedded agent');

program
  .command('version')
  .description('print the version')
  .action(() => {
    process.stdout.write(`coxswain ${packageVersion()} (node ${process.version})\n`);
  });

registerStandaloneCommands(program);

program
  .command('reset')
  .description('remove what the cri runtime created on this machine (pods, interfaces, routes, iptables chains, cgroups, containerd state); keeps the cluster state')
  .addOption(new Option('--data-dir <dir>', 'the data dir of the cluster to reset').env('COXSWAIN_DATA_DIR').default(join(homedir(), '.coxswain'), '~/.coxswain'))
  .action(async (flags: { dataDir: string }) => {
    const { runReset } = await import('./reset.js');
    try {
      await runReset({ dataDir: flags.dataDir, onRemoved: (what) => process.stdout.write(`removed ${what}\n`) });
      process.stdout.write('reset done\n');
    } catch (err) {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    }
  });
registerImageCommand(program);
registerAgentCommands(program, join(homedir(), '.coxswain'));

await program.parseAsync(process.argv);
