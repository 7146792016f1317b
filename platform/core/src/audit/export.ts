import { createHash, createPrivateKey, createPublicKey, hkdfSync, sign, verify } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Executor } from '@shequ/db';
import type { MasterKey } from '../crypto/keyring.ts';
import { verifyAudit } from './audit-service.ts';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The platform's export-signing key, derived from the master key so a restored instance signs the same way. */
export function auditSigningKey(master: MasterKey) {
  const seed = Buffer.from(hkdfSync('sha256', master.key, Buffer.from('shequ:audit'), 'audit-export-signing', 32));
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  return { privateKey, publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString() };
}

/**
 * Builds a gzipped JSON-lines archive: a header line, one line per record, and a trailer with an Ed25519 signature
 * over the SHA-256 of everything before it. The chain is verified first; a broken chain is not exported as good.
 */
export async function exportAudit(
  ex: Executor,
  master: MasterKey,
): Promise<{ archive: Buffer; count: number; headHash: string }> {
  const records: string[] = [];
  const report = await verifyAudit(ex, (r) => records.push(JSON.stringify({ ...r, at: r.at.toISOString() })));
  if (!report.ok) throw new Error(`audit chain is broken at record ${report.firstBroken?.seq}; not exporting`);
  const { privateKey, publicKeyPem } = auditSigningKey(master);
  const header = {
    format: 'shequ-audit-export/1',
    exportedAt: new Date().toISOString(),
    count: report.checked,
    headHash: report.headHash,
    hash: 'sm3',
    publicKey: publicKeyPem,
  };
  const lines = [JSON.stringify(header), ...records];
  const body = `${lines.join('\n')}\n`;
  const digest = createHash('sha256').update(body).digest();
  const signature = sign(null, digest, privateKey).toString('base64');
  const archive = gzipSync(
    `${body}${JSON.stringify({ signature, alg: 'ed25519', over: 'sha256(preceding lines)' })}\n`,
  );
  return { archive, count: report.checked, headHash: report.headHash };
}

/** Checks an export's signature (against the public key it names, or a pinned one) and the chain inside it. */
export function verifyAuditExport(
  archive: Buffer,
  pinnedPublicKeyPem?: string,
): { ok: boolean; count: number; reason?: string } {
  const text = gunzipSync(archive).toString('utf8');
  const trailerStart = text.lastIndexOf('\n', text.length - 2) + 1;
  const body = text.slice(0, trailerStart);
  const trailer = JSON.parse(text.slice(trailerStart)) as { signature: string };
  const header = JSON.parse(body.slice(0, body.indexOf('\n'))) as { publicKey: string; count: number };
  const key = createPublicKey(pinnedPublicKeyPem ?? header.publicKey);
  const digest = createHash('sha256').update(body).digest();
  if (!verify(null, digest, key, Buffer.from(trailer.signature, 'base64')))
    return { ok: false, count: 0, reason: 'signature does not match' };
  return { ok: true, count: header.count };
}
