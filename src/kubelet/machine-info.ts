// What the node reports about the machine (upstream's cadvisor machine info): CPUs, memory,
// the root directory's filesystem size, OS image, kernel, architecture, and an address.
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpus: number;
  memoryBytes: number;
  /** Size of the filesystem holding the kubelet's root directory. */
  ephemeralStorageBytes: number;
  availableStorageBytes: number;
  osImage: string;
  kernelVersion: string;
  /** GOOS / GOARCH names, as the kubernetes.io/os and kubernetes.io/arch labels use. */
  operatingSystem: string;
  architecture: string;
  machineID: string;
  bootID: string;
}

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

export function goArch(arch = process.arch): string {
  return GOARCH[arch] ?? arch;
}

export function goOS(platform = process.platform): string {
  return platform === 'win32' ? 'windows' : platform;
}

function readTrimmed(p: string): string {
  try {
    return readFileSync(p, 'utf8').trim();
  } catch {
    return '';
  }
}

/** PRETTY_NAME from /etc/os-release, as upstream reports osImage. */
function osImage(): string {
  const text = readTrimmed('/etc/os-release');
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text);
  return m?.[1] ?? `${os.type()} ${os.release()}`;
}

export async function readMachineInfo(rootDir: string): Promise<MachineInfo> {
  let total = 0;
  let available = 0;
  try {
    const st = await fs.statfs(rootDir);
    total = st.blocks * st.bsize;
    available = st.bavail * st.bsize;
  } catch {
    // No statfs (or no such directory yet): report nothing rather than guess.
  }
  return {
    cpus: os.cpus().length || 1,
    memoryBytes: os.totalmem(),
    ephemeralStorageBytes: total,
    availableStorageBytes: available,
    osImage: osImage(),
    kernelVersion: os.release(),
    operatingSystem: goOS(),
    architecture: goArch(),
    machineID: readTrimmed('/etc/machine-id'),
    bootID: readTrimmed('/proc/sys/kernel/random/boot_id'),
  };
}

/** The first non-internal IPv4 address, else 127.0.0.1. */
export function defaultNodeIP(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
