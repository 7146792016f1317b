// E-signature per document, in process (no database): render a contract template to PDF (HarfBuzz subset of the
// Simplified Chinese font), sign it (completion page, CMS SignedData, RFC 3161 timestamp from the built-in TSA) and
// verify it (signature, chain, timestamp, byte range). Two contract lengths: one page and about five pages.
// Reports median and p95 per step and the PDF sizes. Usage: node --no-node-snapshot bench/esign.ts
import { issueCertificate, renderContract, signPdf, TimeStampAuthority, verifyPdf } from '@shequ/core';
import { emit, median, round } from './common.ts';

const N = 20;
const root = await issueCertificate({ role: 'root', commonName: 'Bench Root', organisation: 'Shequ', years: 1 });
const issuing = await issueCertificate({
  role: 'issuing',
  commonName: 'Bench CA',
  organisation: 'Shequ',
  years: 1,
  issuer: root,
});
const tsaCert = await issueCertificate({
  role: 'tsa',
  commonName: 'Bench TSA',
  organisation: 'Shequ',
  years: 1,
  issuer: issuing,
});
const org = await issueCertificate({
  role: 'organisation',
  commonName: '示范小区',
  organisation: '示范小区',
  years: 1,
  issuer: issuing,
});
const tsa = new TimeStampAuthority(tsaCert, [issuing.cert]);

const clause =
  '第{{n}}条 乙方应按照本合同约定的标准和要求提供物业服务，保持小区公共区域整洁有序，定期检查和维护共用设施设备，' +
  '发现安全隐患及时处理；甲方应按时足额缴纳物业服务费，遵守管理规约，不得擅自改变房屋结构和用途。\n';
const bodies = {
  onePage: `甲方（业主）：{{name}}\n乙方：示范小区物业服务中心\n${clause.repeat(6)}`,
  fivePages: `甲方（业主）：{{name}}\n乙方：示范小区物业服务中心\n${clause.repeat(60)}`,
};
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

const results: Record<string, unknown> = { documents: N };
for (const [name, body] of Object.entries(bodies)) {
  const t = { render: [] as number[], sign: [] as number[], verify: [] as number[] };
  let draftBytes = 0;
  let signedBytes = 0;
  for (let i = 0; i < N; i++) {
    let at = performance.now();
    const draft = await renderContract({
      title: '物业服务合同',
      body,
      values: { name: `业主${i}`, n: String(i) },
      footer: `doc-${i}`,
    });
    t.render.push(performance.now() - at);
    at = performance.now();
    const signed = await signPdf({
      pdf: draft,
      signer: org,
      chain: [issuing.cert],
      timestamp: (req) => tsa.respond(req),
      completion: {
        documentId: `doc-${i}`,
        title: '物业服务合同',
        signerName: `业主${i}`,
        signerId: `u${i}`,
        organisation: '示范小区',
        contractSha256: 'ab'.repeat(32),
        signedAt: new Date(),
        trail: [{ at: new Date(), actor: `业主${i}`, action: '验证码确认身份' }],
      },
    });
    t.sign.push(performance.now() - at);
    at = performance.now();
    const r = await verifyPdf(signed, root.cert);
    t.verify.push(performance.now() - at);
    if (!r.valid) throw new Error(`document ${i} did not verify: ${JSON.stringify(r.problems)}`);
    draftBytes = draft.length;
    signedBytes = signed.length;
  }
  const row = {
    renderMs: { median: round(median(t.render)), p95: round(p95(t.render)) },
    signMs: { median: round(median(t.sign)), p95: round(p95(t.sign)) },
    verifyMs: { median: round(median(t.verify)), p95: round(p95(t.verify)) },
    totalMedianMs: round(median(t.render) + median(t.sign) + median(t.verify)),
    draftKiB: round(draftBytes / 1024),
    signedKiB: round(signedBytes / 1024),
  };
  console.log(name, JSON.stringify(row));
  results[name] = row;
}
emit('esign', results);
