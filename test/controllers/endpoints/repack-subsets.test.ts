// Table tests for Endpoints subset repacking (upstream's RepackSubsets).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSubset } from 'kubernetes-types/core/v1.js';
import { repackSubsets } from '../../../src/controllers/endpoints/repack-subsets.js';

const http = { name: 'http', port: 80, protocol: 'TCP' };
const https = { name: 'https', port: 443, protocol: 'TCP' };
const a = { ip: '10.0.0.1' };
const b = { ip: '10.0.0.2' };

const cases: { name: string; input: EndpointSubset[]; want: EndpointSubset[] }[] = [
  { name: 'empty', input: [], want: [] },
  {
    name: 'addresses with the same ports share a subset',
    input: [{ addresses: [b], ports: [http] }, { addresses: [a], ports: [http] }],
    want: [{ addresses: [a, b], ports: [http] }],
  },
  {
    name: 'ports offered by the same addresses share a subset',
    input: [{ addresses: [a], ports: [https] }, { addresses: [a], ports: [http] }],
    want: [{ addresses: [a], ports: [http, https] }],
  },
  {
    name: 'different port sets make different subsets',
    input: [{ addresses: [a], ports: [http] }, { addresses: [b], ports: [https] }],
    want: [{ addresses: [a], ports: [http] }, { addresses: [b], ports: [https] }],
  },
  {
    name: 'ready and not-ready addresses of one port set share a subset',
    input: [{ addresses: [a], ports: [http] }, { notReadyAddresses: [b], ports: [http] }],
    want: [{ addresses: [a], notReadyAddresses: [b], ports: [http] }],
  },
  {
    name: 'ready wins over not ready for the same address',
    input: [{ notReadyAddresses: [a], ports: [http] }, { addresses: [a], ports: [http] }],
    want: [{ addresses: [a], ports: [http] }],
  },
  {
    name: 'addresses without ports are kept',
    input: [{ addresses: [a], ports: [] }, { addresses: [b] }],
    want: [{ addresses: [a, b] }],
  },
];

describe('repackSubsets', () => {
  for (const c of cases) it(c.name, () => assert.deepEqual(repackSubsets(c.input), c.want));
});
