import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Quantity, canonicalQuantity } from '../../src/api/quantity.js';

const rows: { input: string | number; value: number; milli: number; canonical: string }[] = [
  { input: '100m', value: 0.1, milli: 100, canonical: '100m' },
  { input: '1', value: 1, milli: 1000, canonical: '1' },
  { input: '0.5', value: 0.5, milli: 500, canonical: '500m' },
  { input: '1.5', value: 1.5, milli: 1500, canonical: '1500m' },
  { input: '2000', value: 2000, milli: 2_000_000, canonical: '2k' },
  { input: '1500', value: 1500, milli: 1_500_000, canonical: '1500' },
  { input: '1Gi', value: 1073741824, milli: 1073741824000, canonical: '1Gi' },
  { input: '1.5Gi', value: 1610612736, milli: 1610612736000, canonical: '1536Mi' },
  { input: '512Ki', value: 524288, milli: 524288000, canonical: '512Ki' },
  { input: '100Ki', value: 102400, milli: 102400000, canonical: '100Ki' },
  { input: '1e3', value: 1000, milli: 1_000_000, canonical: '1e3' },
  { input: '128974848', value: 128974848, milli: 128974848000, canonical: '128974848' },
  { input: '129e6', value: 129e6, milli: 129e9, canonical: '129e6' },
  { input: '123Mi', value: 128974848, milli: 128974848000, canonical: '123Mi' },
  { input: '0', value: 0, milli: 0, canonical: '0' },
  { input: '-1', value: -1, milli: -1000, canonical: '-1' },
  { input: '1n', value: 1e-9, milli: 1, canonical: '1n' },
  { input: 2, value: 2, milli: 2000, canonical: '2' },
  { input: 0.25, value: 0.25, milli: 250, canonical: '250m' },
];

for (const row of rows) {
  test(`quantity ${row.input}`, () => {
    const q = Quantity.parse(row.input);
    assert.equal(q.toNumber(), row.value);
    assert.equal(q.milliValue(), row.milli);
    assert.equal(q.toString(), row.canonical);
  });
}

for (const bad of ['', 'abc', '1.2.3', '1Gb', '--1', 'm', '1 Gi', '.']) {
  test(`quantity ${JSON.stringify(bad)} does not parse`, () => {
    assert.throws(() => Quantity.parse(bad), /quantities must match|suffix/);
    assert.equal(Quantity.tryParse(bad), undefined);
  });
}

test('value() and milliValue() round up like upstream', () => {
  assert.equal(Quantity.parse('1500m').value(), 2);
  assert.equal(Quantity.parse('1.0001m').milliValue(), 2);
});

test('comparison and arithmetic are exact', () => {
  assert.equal(Quantity.parse('1').cmp(Quantity.parse('1000m')), 0);
  assert.equal(Quantity.parse('1Gi').cmp(Quantity.parse('1G')), 1);
  assert.equal(Quantity.parse('100m').add(Quantity.parse('200m')).toString(), '300m');
  assert.equal(Quantity.parse('1Gi').sub(Quantity.parse('512Mi')).toString(), '512Mi');
});

test('canonicalQuantity leaves unparseable text alone', () => {
  assert.equal(canonicalQuantity('0.1'), '100m');
  assert.equal(canonicalQuantity('nope'), 'nope');
});
