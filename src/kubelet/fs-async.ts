// File-system calls for the kubelet's own state (records, volume payloads, directories) that
// run on libuv's thread pool through the callback API. Why not the others:
//  - synchronous calls put the kernel's time on the event loop the API server shares, and a
//    journaled metadata update on a busy disk can take milliseconds (measured here: 9 small
//    creates, renames and mkdirs per pod went from 0.3 ms to 4.4 ms of loop time when another
//    process was using the same disk);
//  - fs/promises costs the loop two to three times the callback API for the same calls (a
//    FileHandle and its promises per open, write and close).
// Reads of tiny files (/proc, pid files) stay synchronous where they are: no journal involved.
import fs from 'node:fs';
import { promisify } from 'node:util';

export const mkdir = promisify(fs.mkdir);
export const writeFile = promisify(fs.writeFile);
export const appendFile = promisify(fs.appendFile);
export const rename = promisify(fs.rename);
export const symlink = promisify(fs.symlink);
export const readlink = promisify(fs.readlink);
export const rm = promisify(fs.rm);
export const chmod = promisify(fs.chmod);
export const stat = promisify(fs.stat);
export const readdir = promisify(fs.readdir);
export const readFile = promisify(fs.readFile);
export const mkdtemp = promisify(fs.mkdtemp);
