import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CriLineSplitter, formatLogTime, parseCriLine } from '../../../src/kubelet/runtime/process/cri-log.js';

const T = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
const text = (lines: Buffer[]) => lines.map((l) => l.toString()).join('');

describe('CRI log format', () => {
  it('formats times as RFC 3339 with nanoseconds in UTC', () => {
    assert.equal(formatLogTime(T), '2024-01-02T03:04:05.678000000Z');
  });

  it('writes complete lines as F and holds back an unfinished one', () => {
    const s = new CriLineSplitter('stdout');
    assert.equal(text(s.push(Buffer.from('a\nb'), T)), '2024-01-02T03:04:05.678000000Z stdout F a\n');
    assert.equal(s.pendingBytes, 1);
    assert.equal(text(s.push(Buffer.from('c\n'), T)), '2024-01-02T03:04:05.678000000Z stdout F bc\n');
    assert.equal(s.pendingBytes, 0);
  });

  it('cuts long lines into P chunks closed by an F', () => {
    const s = new CriLineSplitter('stderr', 4);
    const out = text(s.push(Buffer.from('abcdefghij\n'), T)).split('\n').filter(Boolean).map((l) => l.slice(31));
    assert.deepEqual(out, ['stderr P abcd', 'stderr P efgh', 'stderr F ij']);
  });

  it('writes output left without a newline as a full line when the stream ends', () => {
    const s = new CriLineSplitter('stdout');
    assert.deepEqual(s.push(Buffer.from('no newline'), T), []);
    assert.equal(text(s.end(T)), '2024-01-02T03:04:05.678000000Z stdout F no newline\n');
    assert.deepEqual(s.end(T), []);
  });

  it('keeps empty lines', () => {
    const s = new CriLineSplitter('stdout');
    assert.equal(text(s.push(Buffer.from('\n'), T)), '2024-01-02T03:04:05.678000000Z stdout F \n');
  });

  it('parses what it writes', () => {
    assert.deepEqual(parseCriLine('2024-01-02T03:04:05.678000000Z stderr P a b '), {
      time: '2024-01-02T03:04:05.678000000Z', stream: 'stderr', tag: 'P', content: 'a b ',
    });
    assert.equal(parseCriLine('garbage'), undefined);
  });
});
