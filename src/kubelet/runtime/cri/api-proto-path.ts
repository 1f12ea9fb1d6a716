// Where api.proto is at run time. The build copies it next to the compiled JS
// (scripts/post-build.mjs); a plain `tsc` build (tests, development) does not, so fall back
// to the source tree of the same package.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export function criProtoPath(): string {
  const beside = join(here, 'api.proto');
  if (existsSync(beside)) return beside;
  // dist/src/kubelet/runtime/cri → the package root is five levels up.
  const inSource = join(here, '..', '..', '..', '..', '..', 'src', 'kubelet', 'runtime', 'cri', 'api.proto');
  if (existsSync(inSource)) return inSource;
  throw new Error(`the CRI API definition api.proto is missing (looked in ${beside} and ${inSource}); reinstall coxswain`);
}
