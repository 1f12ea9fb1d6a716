import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { nullLogger } from '../../../src/logger.js';
import { readProcStat } from '../../../src/kubelet/runtime/process/proc.js';
import { launchCommand, shellQuote, ShimSpawner } from '../../../src/kubelet/runtime/process/shim-spawner.js';
import { eventually } from '../../helpers/eventually.js';

/** Runs a launch command as the helper does (a subshell eval with $nl set) and returns its output. */
function runAsHelper(command: string): string {
  return execFileSync('/bin/sh', ['-c', 'nl="\n"; ( eval "$1" )', 'sh', command], { encoding: 'utf8', env: {} });
}

/** Prints the working directory, the arguments and, after a NUL, the environment (NUL-separated). */
const DUMP = 'pwd; printf "[%s]" "$0" "$@"; printf "\\0"; env -0';

/** The dump's parts; PWD is left out: the shim's sh exports it, as it always has. */
function parseDump(out: string): { cwd: string; argv: string; env: Record<string, string> } {
  const [head, ...vars] = out.split('\0').filter((x, i) => i === 0 || x !== '');
  const nl = head!.indexOf('\n');
  const env = Object.fromEntries(vars.map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]));
  delete env.PWD;
  return { cwd: head!.slice(0, nl), argv: head!.slice(nl + 1), env };
}

describe('shim spawner', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "coxswain-spawner-it's "));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('quotes quotes and newlines so a word stays one word on one line', () => {
    const q = shellQuote("it's\na line");
    assert.doesNotMatch(q, /\n/);
    assert.equal(runAsHelper(`printf '%s|' ${q}`), "it's\na line|");
  });

  it('gives the shim exactly the container environment, working directory and argv', () => {
    const env = { PATH: '/usr/bin:/bin', QUOTE: "a'b", MULTI: 'x\ny', SPACES: ' lead and trail ', nl: 'not a newline', EMPTY: '' };
    const out = parseDump(runAsHelper(launchCommand({ shimArgv: [DUMP, 'coxswain-shim', 'arg one', 'two\nlines', "q'uote"], env, cwd: dir })));
    assert.deepEqual(out, { cwd: dir, argv: "[coxswain-shim][arg one][two\nlines][q'uote]", env });
  });

  it('still starts the shim when a name is not a shell identifier (through env -i)', () => {
    // The shim's own sh (dash) drops such names from what it passes on, as it always did.
    const out = parseDump(runAsHelper(launchCommand({ shimArgv: [DUMP, 'coxswain-shim'], env: { 'my.var': '1', PATH: '/usr/bin:/bin', MULTI: 'a\nb' }, cwd: dir })));
    assert.deepEqual(out, { cwd: dir, argv: '[coxswain-shim]', env: { PATH: '/usr/bin:/bin', MULTI: 'a\nb' } });
  });

  it('fails (127, nothing run) when the working directory cannot be entered', () => {
    assert.throws(() => runAsHelper(launchCommand({ shimArgv: ['echo ran', 'coxswain-shim'], env: {}, cwd: path.join(dir, 'missing') })), (err: { status?: number; stdout?: string }) => err.status === 127 && err.stdout === '');
  });

  it('starts shims from one helper, reaps them when asked, and the helper ends on close', async () => {
    const spawner = new ShimSpawner(nullLogger);
    const out = path.join(dir, 'out');
    await mkdir(out, { recursive: true });
    for (const n of [1, 2, 3]) {
      spawner.launch({ shimArgv: ['echo "$PPID $$" > "$1"', 'coxswain-shim', path.join(out, String(n))], env: { PATH: '/usr/bin:/bin' }, cwd: dir });
    }
    const files = await eventually(async () => {
      const names = await readdir(out);
      assert.equal(names.length, 3);
      return Promise.all(names.map(async (n) => (await readFile(path.join(out, n), 'utf8')).trim().split(' ').map(Number)));
    }, 'three shims to run');
    const helperPid = spawner.helperPid!;
    assert.ok(helperPid > 0);
    for (const [ppid] of files) assert.equal(ppid, helperPid, 'each shim is a child of the helper');
    for (const [, shim] of files) spawner.reap(shim!);
    // Reaped: no zombie child is left under the helper.
    await eventually(async () => {
      for (const [, shim] of files) assert.equal(await readProcStat(shim!), undefined);
      return true;
    }, 'the shims to be reaped');
    spawner.close();
    await eventually(async () => (await readProcStat(helperPid)) === undefined, 'the helper to exit');
  });
});
