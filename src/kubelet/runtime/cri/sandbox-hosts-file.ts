// The kubelet-managed /etc/hosts of a pod (upstream kubelet_pods.go makeHostsMount): the
// standard local entries and the pod's own IP and hostname, or for hostNetwork pods the
// node's /etc/hosts; then the pod's hostAliases. Written once per sandbox, mounted into
// every container of the pod.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HostAlias } from 'kubernetes-types/core/v1.js';

export interface HostsFileInput {
  podIPs: string[];
  hostname: string;
  /** `<subdomain>.<namespace>.svc.<cluster domain>` when the pod has a subdomain. */
  domain?: string;
  hostAliases?: HostAlias[];
  hostNetwork: boolean;
}

export function managedHostsContent(input: HostsFileInput, nodeHosts = ''): string {
  let text: string;
  if (input.hostNetwork) {
    text = nodeHosts.endsWith('\n') || !nodeHosts ? nodeHosts : `${nodeHosts}\n`;
  } else {
    const lines = [
      '# Kubernetes-managed hosts file.',
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      'fe00::0\tip6-localnet',
      'fe00::0\tip6-mcastprefix',
      'fe00::1\tip6-allnodes',
      'fe00::2\tip6-allrouters',
    ];
    for (const ip of input.podIPs) {
      lines.push(input.domain ? `${ip}\t${input.hostname}.${input.domain}\t${input.hostname}` : `${ip}\t${input.hostname}`);
    }
    text = `${lines.join('\n')}\n`;
  }
  const aliases = input.hostAliases ?? [];
  if (aliases.length) {
    text += '\n# Entries added by HostAliases.\n';
    for (const a of aliases) text += `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`;
  }
  return text;
}

export async function writeHostsFile(file: string, input: HostsFileInput): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const nodeHosts = input.hostNetwork ? await readFile('/etc/hosts', 'utf8').catch(() => '') : '';
  await writeFile(file, managedHostsContent(input, nodeHosts), { mode: 0o644 });
}
