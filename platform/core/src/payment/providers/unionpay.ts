import { createHash, createPrivateKey, createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';
import { DateTime } from 'luxon';
import { AppError } from '../../errors.ts';
import { readUnionPayFileContent } from './bills.ts';
import { missingOf, noTransport, notConfigured, type ProviderRequest, type Transport } from './transport.ts';
import type {
  BillLine,
  NotifyReply,
  NotifyRequest,
  PaymentProvider,
  ProviderStatus,
  VerifiedNotification,
} from './types.ts';
import { forged } from './wechat-v3.ts';

export interface UnionPayConfig {
  merId: string;
  /** Serial of the merchant signing certificate (`certId`). */
  certId: string;
  privateKeyPem: string;
  /** UnionPay's signing public key (PEM). */
  unionPayPublicKeyPem: string;
}

const gateway = 'https://gateway.95516.com/gateway/api';
const names = ['merId', 'certId', 'privateKeyPem', 'unionPayPublicKeyPem'];
const zone = 'Asia/Shanghai';

/** UnionPay 5.1.0: RSA-SHA256 over the SHA-256 hex digest of the sorted `k=v&…` string (signMethod 01). */
export const unionpayContent = (p: Record<string, string>) =>
  createHash('sha256')
    .update(
      Object.keys(p)
        .filter((k) => k !== 'signature' && p[k] !== '')
        .sort()
        .map((k) => `${k}=${p[k]}`)
        .join('&'),
    )
    .digest('hex');

export const unionpaySign = (key: KeyObject, p: Record<string, string>) =>
  createSign('RSA-SHA256').update(unionpayContent(p)).sign(key, 'base64');

/** UnionPay online payments (gateway 5.1.0), with pre-authorisation and its completion. Refuses unconfigured. */
export class UnionPayProvider implements PaymentProvider {
  readonly id = 'unionpay' as const;
  private readonly cfg?: UnionPayConfig;
  private readonly missing: string[];
  private readonly transport?: Transport;

  constructor(cfg?: Partial<UnionPayConfig>, transport?: Transport, labels?: Record<string, string>) {
    this.missing = missingOf(cfg, names, labels);
    this.cfg = this.missing.length === 0 ? (cfg as UnionPayConfig) : undefined;
    this.transport = transport;
  }

  private config(): UnionPayConfig {
    if (!this.cfg) throw notConfigured('银联支付', 'UnionPay', this.missing);
    return this.cfg;
  }

  /** Builds a signed back-end request (`txnType` 01 consume, 02 pre-auth, 03 pre-auth completion, 04 refund …). */
  buildRequest(path: string, fields: Record<string, string>, nowMs = Date.now()): ProviderRequest {
    const c = this.config();
    const p: Record<string, string> = {
      version: '5.1.0',
      encoding: 'UTF-8',
      signMethod: '01',
      accessType: '0',
      channelType: '07',
      bizType: '000201',
      currencyCode: '156',
      merId: c.merId,
      certId: c.certId,
      txnTime: DateTime.fromMillis(nowMs, { zone }).toFormat('yyyyMMddHHmmss'),
      ...fields,
    };
    p.signature = unionpaySign(createPrivateKey(c.privateKeyPem), p);
    return {
      method: 'POST',
      url: `${gateway}/${path}`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8' },
      body: new URLSearchParams(p).toString(),
    };
  }

  private async call(path: string, fields: Record<string, string>) {
    const req = this.buildRequest(path, fields);
    if (!this.transport) throw noTransport('银联支付', 'UnionPay');
    return Object.fromEntries(new URLSearchParams((await this.transport(req)).body)) as Record<string, string>;
  }

  async initiate(req: Parameters<PaymentProvider['initiate']>[0]) {
    const r = await this.call('appTransReq.do', {
      txnType: req.capture === 'manual' ? '02' : '01',
      txnSubType: '01',
      orderId: req.outTradeNo,
      txnAmt: String(req.amountFen),
      backUrl: req.notifyUrl,
    });
    return { payParams: { tn: r.tn } };
  }

  async authorize(req: { outTradeNo: string }) {
    const s = await this.status(req);
    return { status: s.state === 'authorized' ? ('authorized' as const) : ('pending' as const) };
  }

  async capture(req: { outTradeNo: string; amountFen: number }) {
    const r = await this.call('backTransReq.do', {
      txnType: '03',
      txnSubType: '00',
      orderId: `${req.outTradeNo}C`,
      origQryId: req.outTradeNo,
      txnAmt: String(req.amountFen),
    });
    return { providerTradeNo: r.queryId };
  }

  async refund(req: Parameters<PaymentProvider['refund']>[0]) {
    const r = await this.call('backTransReq.do', {
      txnType: '04',
      txnSubType: '00',
      orderId: req.outRefundNo,
      origQryId: req.outTradeNo,
      txnAmt: String(req.amountFen),
    });
    return { status: r.respCode === '00' ? ('succeeded' as const) : ('pending' as const), providerRefundNo: r.queryId };
  }

  async cancel(req: { outTradeNo: string }) {
    await this.call('backTransReq.do', {
      txnType: '31',
      txnSubType: '00',
      orderId: `${req.outTradeNo}X`,
      origQryId: req.outTradeNo,
    });
  }

  async status(req: { outTradeNo: string }): Promise<ProviderStatus> {
    const r = await this.call('queryTrans.do', { txnType: '00', txnSubType: '00', orderId: req.outTradeNo });
    const s = r.origRespCode;
    return {
      state: s === '00' ? 'succeeded' : s === '03' || s === '04' || s === '05' ? 'pending' : 'failed',
      providerTradeNo: r.queryId,
      amountFen: r.txnAmt ? Number(r.txnAmt) : undefined,
    };
  }

  /** Verifies a back notification (form, RSA-SHA256 over the digest); the query id of the delivery is its nonce. */
  webhook(req: NotifyRequest, nowMs: number): VerifiedNotification {
    const c = this.config();
    const p = Object.fromEntries(new URLSearchParams(req.body)) as Record<string, string>;
    if (!p.signature) throw forged('missing signature');
    const ok = createVerify('RSA-SHA256')
      .update(unionpayContent(p))
      .verify(createPublicKey(c.unionPayPublicKeyPem), p.signature, 'base64');
    if (!ok) throw forged('bad signature');
    const sent = DateTime.fromFormat(p.txnTime ?? '', 'yyyyMMddHHmmss', { zone });
    if (!sent.isValid || nowMs - sent.toMillis() > 25 * 3600_000) throw forged('txnTime too old');
    return {
      notificationId: `${p.queryId}:${p.txnType}`,
      nonce: `${p.queryId}:${p.traceNo}:${p.traceTime}`,
      eventType: `txnType ${p.txnType}`,
      kind:
        p.respCode !== '00' ? 'failed' : p.txnType === '04' ? 'refunded' : p.txnType === '02' ? 'authorized' : 'paid',
      outTradeNo: p.txnType === '04' ? (p.origQryId ?? '') : p.orderId,
      providerTradeNo: p.queryId,
      outRefundNo: p.txnType === '04' ? p.orderId : undefined,
      amountFen: Number(p.txnAmt),
      payload: p,
    };
  }

  /** UnionPay treats HTTP 200 as received. */
  reply(_req: NotifyRequest, ok: boolean): NotifyReply {
    return ok
      ? { status: 200, contentType: 'text/plain', body: 'ok' }
      : { status: 500, contentType: 'text/plain', body: 'fail' };
  }

  /**
   * Downloads the settlement day's files (`txnType` 76, `fileType` 00): the answer's `fileContent` is a deflated,
   * base64-encoded zip whose INN…ZM_ file lists the day's transactions. `respCode` 98 means no file for the day.
   */
  async bill(day: string): Promise<BillLine[]> {
    const r = await this.call('fileTransfer.do', {
      txnType: '76',
      txnSubType: '01',
      bizType: '000000',
      fileType: '00',
      settleDate: day.slice(5).replace('-', ''),
    });
    if (r.respCode === '98') return [];
    if (r.respCode !== '00' || !r.fileContent) {
      throw new AppError('UNAVAILABLE', {
        zh: `银联对账文件下载失败：${r.respMsg ?? r.respCode}`,
        en: `UnionPay bill download failed: ${r.respMsg ?? r.respCode}`,
      });
    }
    return readUnionPayFileContent(r.fileContent, day);
  }
}
