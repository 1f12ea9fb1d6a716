import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText, InvalidError } from '../../src/api/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../src/api/validation/meta.js';
import { nameIsDNSLabel, nameIsPathSegment } from '../../src/api/validation/names.js';

const subdomainMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const labelMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

const rows: { name: string; meta: Record<string, any>; namespaced?: boolean; nameValidator?: typeof nameIsDNSLabel; errors: string[] }[] = [
  { name: 'valid', meta: { name: 'web', namespace: 'default' }, errors: [] },
  { name: 'bad name', meta: { name: 'Foo_bar', namespace: 'default' }, errors: [`metadata.name: Invalid value: "Foo_bar": ${subdomainMsg}`] },
  { name: 'missing name', meta: { namespace: 'default' }, errors: ['metadata.name: Required value: name or generateName is required'] },
  { name: 'generateName with trailing dash', meta: { generateName: 'web-', namespace: 'default' }, errors: ['metadata.name: Required value: name or generateName is required'] },
  { name: 'missing namespace', meta: { name: 'web' }, errors: ['metadata.namespace: Required value'] },
  { name: 'namespace on a cluster-scoped kind', meta: { name: 'web', namespace: 'x' }, namespaced: false, errors: ['metadata.namespace: Forbidden: not allowed on this type'] },
  { name: 'too long name', meta: { name: 'a'.repeat(254), namespace: 'default' }, errors: ['metadata.name: Invalid value: "' + 'a'.repeat(254) + '": must be no more than 253 characters'] },
  { name: 'dots not allowed in DNS labels', meta: { name: 'a.b' }, namespaced: false, nameValidator: nameIsDNSLabel, errors: [`metadata.name: Invalid value: "a.b": ${labelMsg}`] },
  { name: 'path segment names allow colons', meta: { name: 'system:controller:x' }, namespaced: false, nameValidator: nameIsPathSegment, errors: [] },
  { name: 'path segment names reject slashes', meta: { name: 'a/b' }, namespaced: false, nameValidator: nameIsPathSegment, errors: ['metadata.name: Invalid value: "a/b": may not contain \'/\''] },
  { name: 'bad label value', meta: { name: 'web', namespace: 'default', labels: { app: '-x' } },
    errors: ["metadata.labels: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"] },
  { name: 'bad label key prefix', meta: { name: 'web', namespace: 'default', labels: { 'Example.com/app': 'x' } },
    errors: [`metadata.labels: Invalid value: "Example.com/app": prefix part ${subdomainMsg}`] },
  { name: 'long label value', meta: { name: 'web', namespace: 'default', labels: { app: 'a'.repeat(64) } },
    errors: [`metadata.labels: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`] },
  { name: 'annotation key with two slashes', meta: { name: 'web', namespace: 'default', annotations: { 'a/b/c': 'x' } },
    errors: ["metadata.annotations: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"] },
  { name: 'annotations over 256 KiB', meta: { name: 'web', namespace: 'default', annotations: { big: 'x'.repeat(256 * 1024) } },
    errors: ['metadata.annotations: Too long: may not be more than 262144 bytes'] },
  { name: 'unqualified custom finalizer', meta: { name: 'web', namespace: 'default', finalizers: ['mine'] },
    errors: ['metadata.finalizers[0]: Invalid value: "mine": name is neither a standard finalizer name nor is it fully qualified'] },
];

for (const row of rows) {
  test(`object meta: ${row.name}`, () => {
    const errs = validateObjectMeta({ metadata: row.meta }, { namespaced: row.namespaced ?? true, nameValidator: row.nameValidator });
    assert.deepEqual(errs.map(fieldErrorText), row.errors);
  });
}

test('InvalidError renders like upstream', () => {
  const errs = validateObjectMeta({ metadata: { name: 'Foo_bar', namespace: 'default' } }, { namespaced: true });
  const e = new InvalidError('Pod', '', 'Foo_bar', errs);
  assert.equal(e.message, `Pod "Foo_bar" is invalid: metadata.name: Invalid value: "Foo_bar": ${subdomainMsg}`);
});

test('object meta update: name, namespace, uid and creationTimestamp are immutable', () => {
  const old = { metadata: { name: 'a', namespace: 'n', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z' } };
  assert.deepEqual(validateObjectMetaUpdate(structuredClone(old), old), []);
  const changed = { metadata: { name: 'b', namespace: 'm', uid: 'u2', creationTimestamp: '2024-01-02T00:00:00Z' } };
  assert.deepEqual(validateObjectMetaUpdate(changed, old).map(fieldErrorText), [
    'metadata.name: Invalid value: "b": field is immutable',
    'metadata.namespace: Invalid value: "m": field is immutable',
    'metadata.uid: Invalid value: "u2": field is immutable',
    'metadata.creationTimestamp: Invalid value: "2024-01-02T00:00:00Z": field is immutable',
  ]);
});

test('object meta update: no new finalizers while terminating', () => {
  const old = { metadata: { name: 'a', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['kubernetes'] } };
  const next = { metadata: { name: 'a', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['kubernetes', 'example.com/x'] } };
  assert.match(validateObjectMetaUpdate(next, old).map(fieldErrorText).join('\n'), /metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted/);
  assert.deepEqual(validateObjectMetaUpdate({ metadata: { name: 'a', deletionTimestamp: '2024-01-01T00:00:00Z' } }, old), []);
});
