import { createPrivateKey, createPublicKey } from 'node:crypto';
import { fenOf, yuan } from '../money.ts';
import { alipayReply, alipayTime, rsa2Sign, signContent, verifyAlipayNotification } from './alipay-rsa2.ts';
import { readAlipayBillZip } from './bills.ts';
import {
  missingOf,
  noTransport,
  notConfigured,
  type ProviderRequest,
  type Transport,
  unsupported,
} from './transport.ts';
import type { BillLine, NotifyRequest, PaymentProvider, ProviderStatus } from './types.ts';

export interface AlipayConfig {
  appId: string;
  /** The application's private key (PEM) that signs requests (RSA2). */
  privateKeyPem: string;
  /** Alipay's public key (PEM) that signs responses and notifications. */
  alipayPublicKeyPem: string;
}

const gateway = 'https://openapi.alipay.com/gateway.do';
const names = ['appId', 'privateKeyPem', 'alipayPublicKeyPem'];

/** Alipay open platform (RSA2, form-encoded gateway). Complete request shapes and signatures; refuses unconfigured. */
export class AlipayProvider implements PaymentProvider {
  readonly id = 'alipay' as const;
  private readonly cfg?: AlipayConfig;
  private readonly missing: string[];
  private readonly transport?: Transport;

  constructor(cfg?: Partial<AlipayConfig>, transport?: Transport, labels?: Record<string, string>) {
    this.missing = missingOf(cfg, names, labels);
    this.cfg = this.missing.length === 0 ? (cfg as AlipayConfig) : undefined;
    this.transport = transport;
  }

  private config(): AlipayConfig {
    if (!this.cfg) throw notConfigured('支付宝', 'Alipay', this.missing);
    return this.cfg;
  }

  /** Builds a gateway call: common parameters + `biz_content`, signed RSA2 over the sorted `k=v&…` string. */
  buildRequest(method: string, biz: Record<string, unknown>, extra: Record<string, string> = {}, nowMs = Date.now()) {
    const c = this.config();
    const params: Record<string, string> = {
      app_id: c.appId,
      method,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: alipayTime(nowMs),
      version: '1.0',
      biz_content: JSON.stringify(biz),
      ...extra,
    };
    params.sign = rsa2Sign(createPrivateKey(c.privateKeyPem), signContent(params, false));
    return {
      method: 'POST',
      url: gateway,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=utf-8' },
      body: new URLSearchParams(params).toString(),
    } satisfies ProviderRequest;
  }

  private async call(method: string, biz: Record<string, unknown>, extra?: Record<string, string>) {
    const req = this.buildRequest(method, biz, extra);
    if (!this.transport) throw noTransport('支付宝', 'Alipay');
    const res = await this.transport(req);
    const json = JSON.parse(res.body) as Record<string, Record<string, string>>;
    return json[`${method.replaceAll('.', '_')}_response`] ?? {};
  }

  async initiate(req: Parameters<PaymentProvider['initiate']>[0]) {
    const r = await this.call(
      'alipay.trade.precreate',
      { out_trade_no: req.outTradeNo, total_amount: yuan(req.amountFen), subject: req.subject },
      { notify_url: req.notifyUrl },
    );
    return { payParams: { qr_code: r.qr_code } };
  }

  async authorize(): Promise<{ status: 'authorized' | 'pending' }> {
    throw unsupported('支付宝', 'Alipay', 'pre-authorisation in this integration');
  }

  async capture(): Promise<{ providerTradeNo: string }> {
    throw unsupported('支付宝', 'Alipay', 'separate capture in this integration');
  }

  async refund(req: Parameters<PaymentProvider['refund']>[0]) {
    const r = await this.call('alipay.trade.refund', {
      out_trade_no: req.outTradeNo,
      out_request_no: req.outRefundNo,
      refund_amount: yuan(req.amountFen),
      refund_reason: req.reason,
    });
    return { status: r.fund_change === 'Y' ? ('succeeded' as const) : ('pending' as const) };
  }

  async cancel(req: { outTradeNo: string }) {
    await this.call('alipay.trade.close', { out_trade_no: req.outTradeNo });
  }

  async status(req: { outTradeNo: string }): Promise<ProviderStatus> {
    const r = await this.call('alipay.trade.query', { out_trade_no: req.outTradeNo });
    const s = r.trade_status;
    return {
      state:
        s === 'TRADE_SUCCESS' || s === 'TRADE_FINISHED' ? 'succeeded' : s === 'TRADE_CLOSED' ? 'closed' : 'pending',
      providerTradeNo: r.trade_no,
      amountFen: r.total_amount ? fenOf(r.total_amount) : undefined,
    };
  }

  webhook(req: NotifyRequest, nowMs: number) {
    const c = this.config();
    return verifyAlipayNotification(req, {
      alipayPublicKey: createPublicKey(c.alipayPublicKeyPem),
      appId: c.appId,
      nowMs,
    });
  }

  reply(_req: NotifyRequest, ok: boolean) {
    return alipayReply(ok);
  }

  /** Asks for the day's trade bill URL, downloads the zip and reads its GBK detail CSV (业务明细). */
  async bill(day: string): Promise<BillLine[]> {
    const r = await this.call('alipay.data.dataservice.bill.downloadurl.query', { bill_type: 'trade', bill_date: day });
    if (!r.bill_download_url) return [];
    if (!this.transport) throw noTransport('支付宝', 'Alipay');
    const file = await this.transport({ method: 'GET', url: r.bill_download_url, headers: {}, body: '' });
    return readAlipayBillZip(file.bytes ?? Buffer.from(file.body, 'latin1'));
  }
}
