// Checks the PKCS#10 request of a CertificateSigningRequest the way upstream's validation does
// (certificates.ParseCSR, then CheckSignature): a PEM block of type CERTIFICATE REQUEST whose
// DER parses and whose self-signature verifies. Synchronous, as validation is.
import { createPublicKey, verify } from 'node:crypto';

/** Go's pem.Decode, reduced to what is needed: the first block, its type and its bytes. */
export function decodeFirstPem(text: string): { type: string; der: Buffer } | undefined {
  const m = /-----BEGIN ([^\n-]*)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) return undefined;
  // Header lines ("Key: value") come before a blank line; only the base64 body counts.
  const body = m[2]!.includes(':') ? m[2]!.split(/\r?\n\r?\n/).slice(1).join('\n') : m[2]!;
  return { type: m[1]!, der: Buffer.from(body.replace(/\s+/g, ''), 'base64') };
}

interface DerElement {
  tag: number;
  /** The whole element, header included. */
  raw: Buffer;
  content: Buffer;
}

class MalformedError extends Error {}

function readElement(buf: Buffer, offset: number): DerElement {
  if (offset + 2 > buf.length) throw new MalformedError('x509: malformed certificate request');
  const tag = buf[offset]!;
  let len = buf[offset + 1]!;
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || offset + 2 + n > buf.length) throw new MalformedError('x509: malformed certificate request');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i]!;
    header += n;
  }
  const end = offset + header + len;
  if (end > buf.length) throw new MalformedError('x509: malformed certificate request');
  return { tag, raw: buf.subarray(offset, end), content: buf.subarray(offset + header, end) };
}

function children(el: DerElement): DerElement[] {
  const out: DerElement[] = [];
  for (let off = 0; off < el.content.length; off += out[out.length - 1]!.raw.length) out.push(readElement(el.content, off));
  return out;
}

function oidText(content: Buffer): string {
  const parts = [Math.floor(content[0]! / 40), content[0]! % 40];
  let v = 0;
  for (const b of content.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

const SEQUENCE = 0x30;
const BIT_STRING = 0x03;
const OID = 0x06;

/** Signature algorithms Go's x509 verifies for requests: OID → hash and the error Go reports. */
const SIGNATURE_ALGORITHMS: Record<string, { hash: string | null; failure: string }> = {
  '1.2.840.113549.1.1.5': { hash: 'sha1', failure: 'crypto/rsa: verification error' },
  '1.2.840.113549.1.1.11': { hash: 'sha256', failure: 'crypto/rsa: verification error' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', failure: 'crypto/rsa: verification error' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', failure: 'crypto/rsa: verification error' },
  '1.2.840.10045.4.1': { hash: 'sha1', failure: 'x509: ECDSA verification failure' },
  '1.2.840.10045.4.3.2': { hash: 'sha256', failure: 'x509: ECDSA verification failure' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', failure: 'x509: ECDSA verification failure' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', failure: 'x509: ECDSA verification failure' },
  '1.3.101.112': { hash: null, failure: 'x509: Ed25519 verification failure' },
};

/**
 * Why `pemBytes` (spec.request, decoded from base64) is not an acceptable request, in
 * upstream's words; undefined when it is one.
 */
export function certificateRequestProblem(pemBytes: Buffer): string | undefined {
  const block = decodeFirstPem(pemBytes.toString('latin1'));
  if (!block || block.type !== 'CERTIFICATE REQUEST') return 'PEM block type must be CERTIFICATE REQUEST';
  try {
    const outer = readElement(block.der, 0);
    if (outer.tag !== SEQUENCE) throw new MalformedError('x509: malformed certificate request');
    const [info, algorithm, signature] = children(outer);
    if (info?.tag !== SEQUENCE || algorithm?.tag !== SEQUENCE || signature?.tag !== BIT_STRING) {
      throw new MalformedError('x509: malformed certificate request');
    }
    const spki = children(info)[2];
    const algOid = children(algorithm)[0];
    if (!spki || spki.tag !== SEQUENCE || algOid?.tag !== OID) throw new MalformedError('x509: malformed certificate request');
    const alg = SIGNATURE_ALGORITHMS[oidText(algOid.content)];
    if (!alg) return 'x509: cannot verify signature: algorithm unimplemented';
    let key;
    try {
      key = createPublicKey({ key: spki.raw, format: 'der', type: 'spki' });
    } catch {
      return 'x509: malformed public key';
    }
    // The BIT STRING's first content byte counts unused bits (always 0 for signatures).
    const ok = verify(alg.hash, info.raw, key, signature.content.subarray(1));
    return ok ? undefined : alg.failure;
  } catch (err) {
    if (err instanceof MalformedError) return err.message;
    return 'x509: malformed certificate request';
  }
}

/** Upstream validateCertificate for status.certificate: one or more CERTIFICATE blocks, no headers. */
export function issuedCertificateProblem(pemBytes: Buffer): string | undefined {
  if (pemBytes.length === 0) return undefined;
  const re = /-----BEGIN ([^\n-]*)-----\r?\n([\s\S]*?)-----END \1-----/g;
  let blocks = 0;
  for (const m of pemBytes.toString('latin1').matchAll(re)) {
    if (m[1] !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found "${m[1]}"`;
    if (m[2]!.includes(':')) return 'no PEM block headers are permitted';
    blocks++;
    try {
      const el = readElement(Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64'), 0);
      if (el.tag !== SEQUENCE || children(el).length !== 3) throw new MalformedError('x509: malformed certificate');
    } catch {
      return 'x509: malformed certificate';
    }
  }
  return blocks === 0 ? 'must contain at least one CERTIFICATE PEM block' : undefined;
}
