/**
 * TEST ONLY: a throwaway self-signed certificate for `127.0.0.1`, built with node:crypto
 * (an EC P-256 key and a minimal X.509 v3 certificate, DER-encoded by hand), so the HTTPS
 * tests need neither openssl nor a committed key.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function der(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else if (length < 0x100) header = Buffer.from([tag, 0x81, length]);
  else header = Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  return Buffer.concat([header, content]);
}
const seq = (...parts: Buffer[]): Buffer => der(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => der(0x31, Buffer.concat(parts));
const int = (bytes: number[]): Buffer => der(0x02, Buffer.from(bytes));
const utf8 = (text: string): Buffer => der(0x0c, Buffer.from(text, 'utf8'));
const utcTime = (date: Date): Buffer => der(0x17, Buffer.from(`${date.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`, 'ascii'));
const bitString = (bytes: Buffer): Buffer => der(0x03, Buffer.concat([Buffer.from([0]), bytes]));
const explicit = (n: number, content: Buffer): Buffer => der(0xa0 + n, content);

function oid(text: string): Buffer {
  const parts = text.split('.').map(Number);
  const bytes = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const part of parts.slice(2)) {
    const chunk = [part & 0x7f];
    for (let v = part >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

/** A PEM key and certificate for CN=localhost, SAN IP 127.0.0.1, valid for a day. */
export function selfSignedCert(): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const name = seq(set(seq(oid('2.5.4.3'), utf8('localhost'))));
  const now = Date.now();
  const validity = seq(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 86_400_000)));
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  // subjectAltName: iPAddress [7] 127.0.0.1
  const san = seq(oid('2.5.29.17'), der(0x04, seq(der(0x87, Buffer.from([127, 0, 0, 1])))));
  const tbs = seq(explicit(0, int([2])), int([0x01, 0x23, 0x45]), ecdsaWithSha256, name, validity, name, spki, explicit(3, seq(san)));
  const signature = sign('sha256', tbs, privateKey);
  const certificate = seq(tbs, ecdsaWithSha256, bitString(signature));
  const pem = certificate.toString('base64').replace(/.{64}/g, '$&\n');
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    cert: `-----BEGIN CERTIFICATE-----\n${pem}${pem.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`,
  };
}

/**
 * Runs an ES module `script` in a child Node that trusts `cert` (NODE_EXTRA_CA_CERTS: a CA file
 * is read once, at startup) and resolves its stdout. `script` can import the tested modules by
 * absolute path.
 */
export async function runTrusting(cert: string, script: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hmetrics-tls-'));
  try {
    writeFileSync(join(dir, 'ca.pem'), cert);
    return await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') } }, (error, out, err) => (error ? reject(new Error(`${error.message}: ${err}`)) : resolve(out)));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
