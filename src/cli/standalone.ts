// Components run on their own against a remote API server, with a kubeconfig:
// `coxswain controller-manager`, `coxswain scheduler`, `coxswain sim --nodes N`.
import { Command, InvalidArgumentError, Option } from 'commander';
import { clientFromKubeconfig } from '../client/connect.js';
import { createLogger, type LogLevel } from '../logger.js';
import { parseControllerList, startComponents, type ComponentOptions } from './components.js';

interface StandaloneFlags {
  kubeconfig: string;
  logLevel: LogLevel;
  controllers?: string;
  nodes?: number;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

async function runStandalone(name: string, flags: StandaloneFlags, pick: Omit<ComponentOptions, 'logger'>): Promise<void> {
  const logger = createLogger(flags.logLevel);
  const client = clientFromKubeconfig(flags.kubeconfig, { userAgent: `coxswain-${name}` });
  let running;
  try {
    running = await startComponents({ controllerManager: client, scheduler: client, sim: client }, { ...pick, logger });
  } catch (err) {
    process.stderr.write(`error: cannot start the ${name}: ${err instanceof Error ? err.message : String(err)}\n`
      + `check that the API server in ${flags.kubeconfig} is running and reachable\n`);
    process.exit(1);
  }
  process.stderr.write(`${name} running against the cluster in ${flags.kubeconfig}; press Ctrl-C to stop\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    running.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

export function registerStandaloneCommands(program: Command): void {
  const common = (cmd: Command) => cmd
    .addOption(new Option('--kubeconfig <path>', 'kubeconfig of the cluster').env('KUBECONFIG').makeOptionMandatory())
    .addOption(new Option('--log-level <level>', 'log verbosity').choices(['error', 'warn', 'info', 'debug']).default('info'));

  common(program.command('controller-manager').description('run the controllers against a cluster'))
    .addOption(new Option('--controllers <list>', 'controllers to run: * (all), names, -name to leave one out').default('*'))
    .action((flags: StandaloneFlags) => runStandalone('controller-manager', flags, {
      controllers: parseControllerList(flags.controllers ?? '*'), scheduler: false,
    }));

  common(program.command('scheduler').description('run the scheduler against a cluster'))
    .action((flags: StandaloneFlags) => runStandalone('scheduler', flags, { controllers: [], scheduler: true }));

  common(program.command('sim').description('run N simulated nodes (like KWOK) against a cluster'))
    .addOption(new Option('--nodes <n>', 'how many nodes').argParser(parseCount).default(3))
    .action((flags: StandaloneFlags) => runStandalone('sim', flags, { controllers: [], scheduler: false, simNodes: flags.nodes }));
}
