// The pieces under the protobuf codec: wire varints, Go durations, the layout parser, the
// special JSON forms, and media-type negotiation.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WireReader, WireWriter, ProtobufWireError } from '../../src/apiserver/protobuf/wire.js';
import { formatGoDuration, parseGoDuration } from '../../src/apiserver/protobuf/go-duration.js';
import { builtinSchema, messageForKind, parseLayouts } from '../../src/apiserver/protobuf/schema.js';
import { decodeMessage, encodeMessage } from '../../src/apiserver/protobuf/message-codec.js';
import { isProtobufMediaType, prefersProtobuf } from '../../src/apiserver/protobuf/media-type.js';

describe('wire format', () => {
  const cases: Array<[string, number | boolean, string]> = [
    ['zero', 0, '0800'],
    ['one byte', 127, '087f'],
    ['two bytes', 300, '08ac02'],
    ['true', true, '0801'],
    ['a negative int32 as ten bytes', -1, '08ffffffffffffffffff01'],
    ['a large int64', 2 ** 40, '08808080808020'],
  ];
  for (const [name, value, hex] of cases) {
    it(`writes and reads ${name}`, () => {
      const bytes = new WireWriter().varint(1, value).finish();
      assert.equal(bytes.toString('hex'), hex);
      const [f] = [...new WireReader(bytes).fields()];
      assert.equal(f.field, 1);
      assert.equal(f.int, Number(value));
    });
  }

  it('reads length-delimited fields and field numbers above 15', () => {
    const bytes = new WireWriter().string(16, 'héllo').bytes(2, Uint8Array.from([1, 2])).finish();
    const fields = [...new WireReader(bytes).fields()];
    assert.deepEqual(fields.map((f) => [f.field, f.wire, Buffer.from(f.bytes).toString('hex')]), [
      [16, 2, Buffer.from('héllo').toString('hex')],
      [2, 2, '0102'],
    ]);
  });

  it('reads packed repeated varints', () => {
    assert.deepEqual(WireReader.packedVarints(Uint8Array.from([1, 0xac, 0x02, 0])), [1, 300, 0]);
  });

  it('fails cleanly on truncated data', () => {
    assert.throws(() => [...new WireReader(Uint8Array.from([0x0a, 0x05, 0x61])).fields()], ProtobufWireError);
    assert.throws(() => [...new WireReader(Uint8Array.from([0x08, 0x80])).fields()], ProtobufWireError);
  });
});

describe('Go durations', () => {
  const cases: Array<[string, bigint]> = [
    ['0s', 0n],
    ['1h0m0s', 3_600_000_000_000n],
    ['1h2m3s', 3_723_000_000_000n],
    ['1m30s', 90_000_000_000n],
    ['1.5s', 1_500_000_000n],
    ['300ms', 300_000_000n],
    ['1.5µs', 1_500n],
    ['42ns', 42n],
    ['-2m0s', -120_000_000_000n],
  ];
  for (const [text, nanos] of cases) {
    it(`formats and parses ${text}`, () => {
      assert.equal(formatGoDuration(nanos), text);
      assert.equal(parseGoDuration(text), nanos);
    });
  }

  it('parses the forms Go accepts but does not print', () => {
    assert.equal(parseGoDuration('90m'), 5_400_000_000_000n);
    assert.equal(parseGoDuration('2h45m'), 9_900_000_000_000n);
    assert.equal(parseGoDuration('10us'), 10_000n);
    assert.throws(() => parseGoDuration('5 minutes'));
  });
});

describe('message layouts', () => {
  it('parses the compact text form into fields with JSON names, numbers and presence', () => {
    const schema = parseLayouts(`
package demo demo.example.com/v1
Widget metadata=1:meta.ObjectMeta size*=2:i label=3:s count!=4:l tags=5:[]s extra=6:{s}Part ^=7:Part period=8:meta.Duration
Part note=1:s
package meta meta.k8s.io/v1
ObjectMeta name=1:s
Duration ~duration
`);
    const widget = messageForKind('demo.example.com/v1', 'Widget', schema)!;
    assert.equal(widget.name, 'demo.Widget');
    assert.deepEqual(
      widget.fields.map((f) => [f.json, f.num, f.shape, f.mode]),
      [
        ['metadata', 1, 'single', 'omitempty'],
        ['size', 2, 'single', 'pointer'],
        ['label', 3, 'single', 'omitempty'],
        ['count', 4, 'single', 'always'],
        ['tags', 5, 'repeated', 'omitempty'],
        ['extra', 6, 'map', 'omitempty'],
        ['', 7, 'single', 'omitempty'],
        ['period', 8, 'single', 'omitempty'],
      ],
    );
    const json = { metadata: { name: 'w' }, size: 0, count: 0, tags: ['a'], extra: { k: { note: 'x' } }, note: 'inlined', period: '1m30s' };
    const bytes = encodeMessage(schema, 'demo.Widget', json);
    assert.deepEqual(decodeMessage(schema, 'demo.Widget', bytes), json);
  });

  it('rejects malformed layout lines', () => {
    assert.throws(() => parseLayouts('package p -\nM broken'), /bad field/);
    assert.throws(() => parseLayouts('package p -\nM ~nonsense'), /unknown form/);
  });

  it('covers every group the API server serves', () => {
    const kinds: Array<[string, string]> = [
      ['v1', 'Pod'], ['v1', 'PodList'], ['apps/v1', 'Deployment'], ['batch/v1', 'CronJob'], ['autoscaling/v1', 'Scale'],
      ['autoscaling/v2', 'HorizontalPodAutoscaler'], ['networking.k8s.io/v1', 'NetworkPolicy'], ['discovery.k8s.io/v1', 'EndpointSlice'],
      ['coordination.k8s.io/v1', 'Lease'], ['events.k8s.io/v1', 'Event'], ['policy/v1', 'Eviction'], ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
      ['storage.k8s.io/v1', 'CSIDriver'], ['scheduling.k8s.io/v1', 'PriorityClass'], ['authorization.k8s.io/v1', 'SelfSubjectRulesReview'],
      ['authentication.k8s.io/v1', 'TokenRequest'], ['meta.k8s.io/v1', 'WatchEvent'], ['v1', 'Status'],
    ];
    for (const [apiVersion, kind] of kinds) assert.ok(messageForKind(apiVersion, kind), `${apiVersion} ${kind}`);
    // Field facts from upstream's Go types: JSON names that differ from the proto names.
    const fieldsOf = (name: string) => builtinSchema().messages.get(name)!.fields.map((f) => f.json);
    assert.ok(fieldsOf('rbac.Subject').includes('apiGroup'));
    assert.ok(fieldsOf('core.DaemonEndpoint').includes('Port'));
    assert.ok(fieldsOf('meta.ManagedFieldsEntry').includes('fieldsV1'));
  });
});

describe('special JSON forms', () => {
  const schema = builtinSchema();
  const roundTrip = (name: string, value: unknown) => decodeMessage(schema, name, encodeMessage(schema, name, value));

  it('MicroTime keeps microseconds; Time keeps seconds', () => {
    assert.equal(roundTrip('meta.MicroTime', '2024-01-02T03:04:05.123456Z'), '2024-01-02T03:04:05.123456Z');
    assert.equal(roundTrip('meta.Time', '2024-01-02T03:04:05Z'), '2024-01-02T03:04:05Z');
    assert.equal(roundTrip('meta.Time', '1970-01-01T00:00:00Z'), '1970-01-01T00:00:00Z');
  });

  it('Quantity, IntOrString, FieldsV1 and RawExtension', () => {
    assert.equal(roundTrip('resource.Quantity', '1500m'), '1500m');
    assert.equal(roundTrip('intstr.IntOrString', 8080), 8080);
    assert.equal(roundTrip('intstr.IntOrString', 'http'), 'http');
    assert.deepEqual(roundTrip('meta.FieldsV1', { 'f:data': { 'f:a': {} } }), { 'f:data': { 'f:a': {} } });
    assert.deepEqual(roundTrip('runtime.RawExtension', { any: ['json', 1] }), { any: ['json', 1] });
  });
});

describe('media types', () => {
  it('recognises the protobuf content type with or without parameters', () => {
    assert.equal(isProtobufMediaType('application/vnd.kubernetes.protobuf'), true);
    assert.equal(isProtobufMediaType('application/vnd.kubernetes.protobuf; charset=binary'), true);
    assert.equal(isProtobufMediaType('application/json'), false);
    assert.equal(isProtobufMediaType(undefined), false);
  });

  const accepts: Array<[string, string | undefined, boolean]> = [
    ['kubectl 1.33 and client-go with protobuf', 'application/vnd.kubernetes.protobuf,application/json', true],
    ['kubectl drain and plain clients', 'application/json, */*', false],
    ['no Accept header', undefined, false],
    ['JSON preferred by quality', 'application/vnd.kubernetes.protobuf;q=0.5, application/json', false],
    ['a table in protobuf is not served', 'application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json', false],
    ['protobuf watch streams', 'application/vnd.kubernetes.protobuf;stream=watch', true],
    ['only an unknown type', 'text/html', false],
  ];
  for (const [name, accept, want] of accepts) {
    it(`answers in protobuf: ${name} → ${want}`, () => assert.equal(prefersProtobuf(accept), want));
  }
});
