import { createPrivateKey, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { fenOf } from '../money.ts';
import {
  missingOf,
  noTransport,
  notConfigured,
  type ProviderRequest,
  type Transport,
  unsupported,
} from './transport.ts';
import type { BillLine, NotifyRequest, PaymentProvider, ProviderStatus } from './types.ts';
import { authorizationHeader, verifyWechatNotification, wechatReply } from './wechat-v3.ts';

export interface WechatPayConfig {
  mchId: string;
  appId: string;
  /** Serial number of the merchant API certificate. */
  serialNo: string;
  /** The merchant API private key (PEM). */
  privateKeyPem: string;
  /** The 32-byte APIv3 key that decrypts notification resources. */
  apiV3Key: string;
  /** WeChat Pay platform certificates or public keys (PEM) by serial. */
  platformKeys: Record<string, string>;
}

const base = 'https://api.mch.weixin.qq.com';
const names = ['mchId', 'appId', 'serialNo', 'privateKeyPem', 'apiV3Key', 'platformKeys'];

/** WeChat Pay API v3 (JSAPI). Complete request shapes and signatures; refuses without configuration. */
export class WechatPayProvider implements PaymentProvider {
  readonly id = 'wechat' as const;
  private readonly cfg?: WechatPayConfig;
  private readonly transport?: Transport;

  constructor(cfg?: Partial<WechatPayConfig>, transport?: Transport, labels?: Record<string, string>) {
    this.missing = missingOf(cfg, names, labels);
    this.cfg = this.missing.length === 0 ? (cfg as WechatPayConfig) : undefined;
    this.transport = transport;
  }

  private readonly missing: string[];

  private config(): WechatPayConfig {
    if (!this.cfg) throw notConfigured('微信支付', 'WeChat Pay', this.missing);
    return this.cfg;
  }

  /** Builds and signs a v3 request (the `Authorization` header covers method, path, timestamp, nonce and body). */
  buildRequest(method: 'GET' | 'POST', path: string, body?: unknown, nowMs = Date.now()): ProviderRequest {
    const c = this.config();
    const text = body === undefined ? '' : JSON.stringify(body);
    const auth = authorizationHeader({
      mchId: c.mchId,
      serialNo: c.serialNo,
      key: createPrivateKey(c.privateKeyPem),
      method,
      url: path,
      body: text,
      timestamp: Math.floor(nowMs / 1000),
      nonce: randomBytes(16).toString('hex'),
    });
    return {
      method,
      url: `${base}${path}`,
      headers: { Authorization: auth, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: text,
    };
  }

  private async call(req: ProviderRequest) {
    if (!this.transport) throw noTransport('微信支付', 'WeChat Pay');
    const res = await this.transport(req);
    return { status: res.status, json: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
  }

  async initiate(req: Parameters<PaymentProvider['initiate']>[0]) {
    const c = this.config();
    const res = await this.call(
      this.buildRequest('POST', '/v3/pay/transactions/jsapi', {
        appid: c.appId,
        mchid: c.mchId,
        description: req.subject,
        out_trade_no: req.outTradeNo,
        notify_url: req.notifyUrl,
        amount: { total: req.amountFen, currency: 'CNY' },
      }),
    );
    return { payParams: { prepay_id: res.json.prepay_id } };
  }

  async authorize(): Promise<{ status: 'authorized' | 'pending' }> {
    throw unsupported('微信支付', 'WeChat Pay', 'pre-authorisation');
  }

  async capture(): Promise<{ providerTradeNo: string }> {
    throw unsupported('微信支付', 'WeChat Pay', 'separate capture');
  }

  async refund(req: Parameters<PaymentProvider['refund']>[0]) {
    const res = await this.call(
      this.buildRequest('POST', '/v3/refund/domestic/refunds', {
        out_trade_no: req.outTradeNo,
        out_refund_no: req.outRefundNo,
        reason: req.reason,
        amount: { refund: req.amountFen, total: req.totalFen, currency: 'CNY' },
      }),
    );
    return {
      status: res.json.status === 'SUCCESS' ? ('succeeded' as const) : ('pending' as const),
      providerRefundNo: res.json.refund_id as string | undefined,
    };
  }

  async cancel(req: { outTradeNo: string }) {
    const c = this.config();
    await this.call(
      this.buildRequest('POST', `/v3/pay/transactions/out-trade-no/${req.outTradeNo}/close`, { mchid: c.mchId }),
    );
  }

  async status(req: { outTradeNo: string }): Promise<ProviderStatus> {
    const c = this.config();
    const res = await this.call(
      this.buildRequest('GET', `/v3/pay/transactions/out-trade-no/${req.outTradeNo}?mchid=${c.mchId}`),
    );
    const s = String(res.json.trade_state ?? '');
    const amount = res.json.amount as { total?: number } | undefined;
    return {
      state:
        s === 'SUCCESS'
          ? 'succeeded'
          : s === 'CLOSED' || s === 'REVOKED'
            ? 'closed'
            : s === 'PAYERROR'
              ? 'failed'
              : 'pending',
      providerTradeNo: res.json.transaction_id as string | undefined,
      amountFen: amount?.total,
    };
  }

  webhook(req: NotifyRequest, nowMs: number) {
    const c = this.config();
    const platformKeys = new Map<string, KeyObject>(
      Object.entries(c.platformKeys).map(([serial, pem]) => [serial, createPublicKey(pem)]),
    );
    return verifyWechatNotification(req, { platformKeys, apiV3Key: Buffer.from(c.apiV3Key), nowMs });
  }

  reply(_req: NotifyRequest, ok: boolean, message?: string) {
    return wechatReply(ok, message);
  }

  /** Downloads the day's trade bill (`ALL`) and reads its CSV: successful payments and refunds. */
  async bill(day: string): Promise<BillLine[]> {
    const meta = await this.call(this.buildRequest('GET', `/v3/bill/tradebill?bill_date=${day}&bill_type=ALL`));
    const url = new URL(String(meta.json.download_url ?? ''));
    if (!this.transport) throw noTransport('微信支付', 'WeChat Pay');
    const csv = await this.transport(this.buildRequest('GET', `${url.pathname}${url.search}`));
    return parseWechatBill(csv.body);
  }
}

/** WeChat's trade bill: a header row, then rows whose fields are prefixed with a back-tick; totals follow. */
export function parseWechatBill(csv: string): BillLine[] {
  const rows = csv.split(/\r?\n/).filter((l) => l.startsWith('`'));
  const out: BillLine[] = [];
  for (const line of rows) {
    const f = line.split(',').map((x) => x.replace(/^`/, ''));
    if (f.length < 20) continue;
    const at = DateTime.fromFormat(f[0], 'yyyy-MM-dd HH:mm:ss', { zone: 'Asia/Shanghai' }).toISO() ?? f[0];
    if (f[9] === 'SUCCESS')
      out.push({ kind: 'capture', reference: f[5], outTradeNo: f[6], amountFen: fenOf(f[12]), at });
    else if (f[9] === 'REFUND')
      out.push({ kind: 'refund', reference: f[15], outTradeNo: f[6], amountFen: fenOf(f[16]), at });
  }
  return out;
}
