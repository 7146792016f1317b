import { type PdfVerifyReport, type Platform, verifyUpload } from '@shequ/core';
import type { FastifyInstance } from 'fastify';
import { sendError } from './send-error.ts';

/** A verification report as plain text, Chinese or English: what `curl` or the CLI prints. */
export function reportText(r: PdfVerifyReport, lang: 'zh' | 'en'): string {
  const zh = lang === 'zh';
  const yes = (b: boolean) => (zh ? (b ? '是' : '否') : b ? 'yes' : 'no');
  const lines = [
    r.valid
      ? zh
        ? '验证通过：签名有效，证书链可信，时间戳有效，签署后文件未被修改。'
        : 'Verified: the signature is valid, the chain is trusted, the timestamp is valid, the file is unchanged since signing.'
      : zh
        ? '验证未通过。'
        : 'Verification failed.',
    ...r.problems.map((p) => `- ${zh ? p.zh : p.en}`),
    ...r.signatures.flatMap((s, i) => [
      zh ? `签名 ${i + 1}：${s.signer}` : `Signature ${i + 1}: ${s.signer}`,
      `  ${zh ? '可信时间' : 'Trusted time'}: ${s.timestampedAt ?? '—'}`,
      `  ${zh ? '签名有效' : 'Signature valid'}: ${yes(s.signatureValid)}; ${zh ? '证书链' : 'chain'}: ${yes(s.chainValid)}; ${zh ? '时间戳' : 'timestamp'}: ${yes(s.timestampValid)}; ${zh ? '覆盖整个文件' : 'covers the whole file'}: ${yes(s.coversWholeFile)}`,
    ]),
    `SHA-256: ${r.sha256}`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Public e-signature routes (files are not JSON):
 * - `POST /api/esign/verify?lang=zh|en&format=text|json` with the PDF as the body: the verification report;
 * - `POST /api/esign/tsa` with a DER TimeStampReq (`application/timestamp-query`): the platform TSA's DER
 *   TimeStampResp (`application/timestamp-reply`), RFC 3161 over HTTP.
 */
export function registerEsignRoutes(app: FastifyInstance, platform: Platform) {
  app.addContentTypeParser(
    ['application/pdf', 'application/timestamp-query'],
    { parseAs: 'buffer', bodyLimit: 21 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );
  app.post<{ Querystring: { lang?: string; format?: string } }>(
    '/api/esign/verify',
    { bodyLimit: 21 * 1024 * 1024, config: { rateLimit: { max: 30, timeWindow: '1 minute' } } },
    async (req, reply) => {
      try {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const report = await verifyUpload({ ca: platform.esignCa }, body);
        if (req.query.format === 'json') return report;
        return reply
          .header('content-type', 'text/plain; charset=utf-8')
          .send(reportText(report, req.query.lang === 'en' ? 'en' : 'zh'));
      } catch (err) {
        return sendError(reply, err, String(req.id));
      }
    },
  );
  app.post(
    '/api/esign/tsa',
    { bodyLimit: 64 * 1024, config: { rateLimit: { max: 120, timeWindow: '1 minute' } } },
    async (req, reply) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const ca = await platform.esignCa();
      return reply.header('content-type', 'application/timestamp-reply').send(await ca.tsa.respond(body));
    },
  );
}
