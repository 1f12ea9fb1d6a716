// Finishes the build after tsc: marks the CLI entry point executable (npm link / bin install
// need +x) and ships the CRI protocol definition next to the client that loads it.
import { chmodSync, copyFileSync, existsSync } from 'node:fs';
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (existsSync(entry)) chmodSync(entry, 0o755);
copyFileSync(
  new URL('../src/kubelet/runtime/cri/api.proto', import.meta.url),
  new URL('../dist/src/kubelet/runtime/cri/api.proto', import.meta.url),
);
