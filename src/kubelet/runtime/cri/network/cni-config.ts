// The CNI network list containerd's CRI plugin uses for every pod sandbox: a bridge with the
// node's pod CIDR (host-local IPAM) and hairpin, and portmap for hostPort (containerd passes
// the sandbox's port mappings as the `portMappings` capability; with none, portmap's ADD
// returns at once). The loopback interface is set up by containerd itself. The Debian
// plugins speak CNI 1.0.0.
//
// No `ipMasq` on the bridge: it adds a chain and rules per pod (and removes them per pod),
// each an iptables run serialized with every other; with 100 pods starting at once that
// queue was a large part of their start-up. One MASQUERADE rule for the whole cluster CIDR,
// written once by pod-network.ts, does the same job (as flannel does).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const CNI_CONFLIST_NAME = '10-coxswain.conflist';
export const CNI_NETWORK_NAME = 'coxswain';
export const DEFAULT_POD_CIDR = '10.42.0.0/24';

export interface CniConfigOptions {
  podCIDR: string;
  bridge: string;
  /** host-local's allocation records (default /var/lib/cni/networks: we keep them under the data dir). */
  ipamDataDir: string;
  networkName?: string;
}

export function cniConflist(opts: CniConfigOptions): Record<string, unknown> {
  return {
    cniVersion: '1.0.0',
    name: opts.networkName ?? CNI_NETWORK_NAME,
    plugins: [
      {
        type: 'bridge',
        bridge: opts.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: opts.podCIDR }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: opts.ipamDataDir,
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}

/** Writes the conflist atomically (containerd watches the directory); false when unchanged. */
export async function writeCniConflist(confDir: string, opts: CniConfigOptions): Promise<boolean> {
  await mkdir(confDir, { recursive: true });
  const file = path.join(confDir, CNI_CONFLIST_NAME);
  const text = `${JSON.stringify(cniConflist(opts), null, 2)}\n`;
  if ((await readFile(file, 'utf8').catch(() => '')) === text) return false;
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
  return true;
}
