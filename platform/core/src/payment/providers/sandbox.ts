import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { AppError } from '../../errors.ts';
import { type Clock, systemClock } from '../clock.ts';
import { yuan } from '../money.ts';
import {
  alipayAccepted,
  alipayReply,
  alipayResendScheduleMs,
  alipayTime,
  rsa2Sign,
  signContent,
  verifyAlipayNotification,
} from './alipay-rsa2.ts';
import type { BillLine, NotifyReply, NotifyRequest, PaymentProvider, ProviderStatus } from './types.ts';
import {
  encryptResource,
  signLines,
  verifyWechatNotification,
  wechatAccepted,
  wechatReply,
  wechatResendScheduleMs,
} from './wechat-v3.ts';

type Trade = {
  outTradeNo: string;
  amountFen: number;
  subject: string;
  capture: 'auto' | 'manual';
  state: ProviderStatus['state'];
  providerTradeNo: string;
  capturedFen: number;
  refundedFen: number;
};

/** A notification the sandbox sent, kept so tests can resend it (same id, new nonce) or replay it verbatim. */
export interface SentNotification {
  notificationId: string;
  kind: 'paid' | 'refunded';
  outTradeNo: string;
  extra: Record<string, unknown>;
  request: NotifyRequest;
  attempts: { at: number; accepted: boolean }[];
  done: boolean;
}

export interface SandboxOptions {
  /** Where notifications go (in the server: the notify route's handler); the sandbox never opens a socket. */
  deliver?: (req: NotifyRequest) => Promise<NotifyReply>;
  clock?: Clock;
  /** Which real provider's notification format to speak. */
  style?: 'wechat' | 'alipay';
  /** Delay before the first delivery of each kind: set refunds faster than payments to deliver out of order. */
  delayMs?: { paid?: number; refunded?: number };
  /** Deliver every notification this many times at once (a provider's duplicate). */
  copies?: number;
}

const zone = 'Asia/Shanghai';
const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });

/**
 * The sandbox provider: behaves like the real ones without any network. The payer is simulated (`pay`); payment and
 * refund notifications are asynchronous, signed RSA-SHA256 with an AES-256-GCM resource (WeChat v3 style) or
 * form-encoded RSA2 (Alipay style, acknowledged only by the exact body `success`), resent on the provider's real
 * schedule on an injectable clock until acknowledged. It keeps a bill per day for reconciliation.
 */
export class SandboxProvider implements PaymentProvider {
  readonly id = 'sandbox' as const;
  readonly style: 'wechat' | 'alipay';
  readonly clock: Clock;
  readonly appId = 'sandbox-app';
  readonly serial = randomBytes(20).toString('hex').toUpperCase();
  readonly apiV3Key = randomBytes(32);
  /** The provider's signing key pair, made on first use (keeps platform start-up fast); verifiers use the public half. */
  private keys?: ReturnType<typeof rsa>;
  private get platform() {
    this.keys ??= rsa();
    return this.keys;
  }
  private readonly trades = new Map<string, Trade>();
  private readonly billLines: BillLine[] = [];
  private readonly refundsByNo = new Map<string, { status: 'succeeded'; providerRefundNo: string }>();
  /** When set, the sandbox refuses every new refund with this reason (a provider-side refusal, for tests and demos). */
  refuseRefunds: string | null = null;
  readonly sent: SentNotification[] = [];
  private deliverFn?: (req: NotifyRequest) => Promise<NotifyReply>;
  private readonly opts: SandboxOptions;

  constructor(opts: SandboxOptions = {}) {
    this.opts = opts;
    this.style = opts.style ?? 'wechat';
    this.clock = opts.clock ?? systemClock;
    this.deliverFn = opts.deliver;
  }

  /** Connects the notification sink after construction (the service and the sandbox refer to each other). */
  connect(deliver: (req: NotifyRequest) => Promise<NotifyReply>) {
    this.deliverFn = deliver;
  }

  get publicKey(): KeyObject {
    return this.platform.publicKey;
  }

  private trade(outTradeNo: string) {
    const t = this.trades.get(outTradeNo);
    if (!t) throw new AppError('NOT_FOUND', { zh: '沙箱中没有该交易', en: `No sandbox trade ${outTradeNo}` });
    return t;
  }

  async initiate(req: Parameters<PaymentProvider['initiate']>[0]) {
    if (!this.trades.has(req.outTradeNo)) {
      this.trades.set(req.outTradeNo, {
        outTradeNo: req.outTradeNo,
        amountFen: req.amountFen,
        subject: req.subject,
        capture: req.capture,
        state: 'pending',
        providerTradeNo: `SBX${Date.now()}${randomBytes(4).toString('hex')}`,
        capturedFen: 0,
        refundedFen: 0,
      });
    }
    return { payParams: { sandbox: true, prepay_id: `sbx_prepay_${req.outTradeNo}`, style: this.style } };
  }

  /** The simulated payer: pays (or fails to pay) a pending trade; the notification follows asynchronously. */
  pay(outTradeNo: string, outcome: 'success' | 'fail' = 'success') {
    const t = this.trade(outTradeNo);
    if (t.state !== 'pending') return t.state;
    if (outcome === 'fail') {
      t.state = 'failed';
      return t.state;
    }
    if (t.capture === 'manual') {
      t.state = 'authorized';
      return t.state;
    }
    this.captureTrade(t, t.amountFen);
    return t.state;
  }

  private captureTrade(t: Trade, amountFen: number) {
    t.state = 'succeeded';
    t.capturedFen = amountFen;
    this.billLines.push({
      kind: 'capture',
      reference: t.providerTradeNo,
      outTradeNo: t.outTradeNo,
      amountFen,
      at: new Date(this.clock.now()).toISOString(),
    });
    this.notify('paid', t, {});
  }

  async authorize(req: { outTradeNo: string }) {
    const t = this.trade(req.outTradeNo);
    return { status: t.state === 'authorized' ? ('authorized' as const) : ('pending' as const) };
  }

  async capture(req: { outTradeNo: string; amountFen: number }) {
    const t = this.trade(req.outTradeNo);
    if (t.state === 'succeeded') return { providerTradeNo: t.providerTradeNo };
    if (t.state !== 'authorized' || req.amountFen > t.amountFen) {
      throw new AppError('CONFLICT', {
        zh: '沙箱：该交易不能扣款',
        en: `Sandbox: trade ${t.outTradeNo} cannot be captured`,
      });
    }
    this.captureTrade(t, req.amountFen);
    return { providerTradeNo: t.providerTradeNo };
  }

  async refund(req: Parameters<PaymentProvider['refund']>[0]) {
    const t = this.trade(req.outTradeNo);
    // Like the real providers, one refund number refunds once: a repeated request answers the first result.
    const seen = this.refundsByNo.get(req.outRefundNo);
    if (seen) return seen;
    if (this.refuseRefunds) {
      throw new AppError('CONFLICT', { zh: `沙箱：${this.refuseRefunds}`, en: `Sandbox: ${this.refuseRefunds}` });
    }
    if (t.state !== 'succeeded' || t.refundedFen + req.amountFen > t.capturedFen) {
      throw new AppError('CONFLICT', {
        zh: '沙箱：退款金额超出可退金额',
        en: 'Sandbox: refund above the refundable amount',
      });
    }
    t.refundedFen += req.amountFen;
    this.billLines.push({
      kind: 'refund',
      reference: req.outRefundNo,
      outTradeNo: t.outTradeNo,
      amountFen: req.amountFen,
      at: new Date(this.clock.now()).toISOString(),
    });
    this.notify('refunded', t, { outRefundNo: req.outRefundNo, amountFen: req.amountFen });
    const res = { status: 'succeeded' as const, providerRefundNo: `SBXR${randomBytes(6).toString('hex')}` };
    this.refundsByNo.set(req.outRefundNo, res);
    return res;
  }

  async cancel(req: { outTradeNo: string }) {
    const t = this.trades.get(req.outTradeNo);
    if (t && (t.state === 'pending' || t.state === 'authorized')) t.state = 'closed';
  }

  async status(req: { outTradeNo: string }): Promise<ProviderStatus> {
    const t = this.trades.get(req.outTradeNo);
    if (!t) return { state: 'unknown' };
    return { state: t.state, providerTradeNo: t.providerTradeNo, amountFen: t.capturedFen || t.amountFen };
  }

  webhook(req: NotifyRequest, nowMs: number) {
    return (req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')
      ? verifyAlipayNotification(req, { alipayPublicKey: this.publicKey, appId: this.appId, nowMs })
      : verifyWechatNotification(req, {
          platformKeys: new Map([[this.serial, this.publicKey]]),
          apiV3Key: this.apiV3Key,
          nowMs,
        });
  }

  reply(req: NotifyRequest, ok: boolean, message?: string) {
    return (req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')
      ? alipayReply(ok)
      : wechatReply(ok, message);
  }

  async bill(day: string) {
    const from = DateTime.fromISO(day, { zone }).startOf('day');
    const to = from.plus({ days: 1 });
    return this.billLines.filter((l) => {
      const at = DateTime.fromISO(l.at);
      return at >= from && at < to;
    });
  }

  /** Test hook: put a line on the provider's bill that the ledger does not have (a reconciliation difference). */
  addBillLine(line: BillLine) {
    this.billLines.push(line);
  }

  /** Builds one signed delivery of a notification, with a fresh timestamp and nonce. */
  private build(n: Pick<SentNotification, 'notificationId' | 'kind'>, t: Trade, extra: Record<string, unknown>) {
    const now = this.clock.now();
    return this.style === 'wechat' ? this.buildWechat(n, t, extra, now) : this.buildAlipay(n, t, extra, now);
  }

  private buildWechat(
    n: Pick<SentNotification, 'notificationId' | 'kind'>,
    t: Trade,
    extra: Record<string, unknown>,
    now: number,
  ): NotifyRequest {
    const time = DateTime.fromMillis(now, { zone }).toISO({ suppressMilliseconds: true }) ?? '';
    const refund = n.kind === 'refunded';
    const resource = refund
      ? {
          mchid: 'sandbox-mch',
          out_trade_no: t.outTradeNo,
          transaction_id: t.providerTradeNo,
          out_refund_no: extra.outRefundNo,
          refund_id: `SBXR${extra.outRefundNo}`,
          refund_status: 'SUCCESS',
          success_time: time,
          amount: {
            total: t.amountFen,
            refund: extra.amountFen,
            payer_total: t.amountFen,
            payer_refund: extra.amountFen,
          },
        }
      : {
          appid: this.appId,
          mchid: 'sandbox-mch',
          out_trade_no: t.outTradeNo,
          transaction_id: t.providerTradeNo,
          trade_type: 'JSAPI',
          trade_state: 'SUCCESS',
          trade_state_desc: '支付成功',
          success_time: time,
          amount: { total: t.capturedFen, payer_total: t.capturedFen, currency: 'CNY', payer_currency: 'CNY' },
        };
    const body = JSON.stringify({
      id: n.notificationId,
      create_time: time,
      resource_type: 'encrypt-resource',
      event_type: refund ? 'REFUND.SUCCESS' : 'TRANSACTION.SUCCESS',
      summary: refund ? '退款成功' : '支付成功',
      resource: encryptResource(
        this.apiV3Key,
        JSON.stringify(resource),
        refund ? 'refund' : 'transaction',
        refund ? 'refund' : 'transaction',
      ),
    });
    const timestamp = String(Math.floor(now / 1000));
    const nonce = randomBytes(16).toString('hex');
    return {
      headers: {
        'content-type': 'application/json',
        'wechatpay-timestamp': timestamp,
        'wechatpay-nonce': nonce,
        'wechatpay-serial': this.serial,
        'wechatpay-signature': signLines(this.platform.privateKey, [timestamp, nonce, body]),
        'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
      },
      body,
    };
  }

  private buildAlipay(
    n: Pick<SentNotification, 'notificationId' | 'kind'>,
    t: Trade,
    extra: Record<string, unknown>,
    now: number,
  ): NotifyRequest {
    const params: Record<string, string> = {
      notify_time: alipayTime(now),
      notify_type: 'trade_status_sync',
      notify_id: n.notificationId,
      app_id: this.appId,
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      trade_no: t.providerTradeNo,
      out_trade_no: t.outTradeNo,
      trade_status: 'TRADE_SUCCESS',
      total_amount: yuan(t.amountFen),
      receipt_amount: yuan(t.capturedFen),
      subject: t.subject,
      gmt_payment: alipayTime(now),
    };
    if (n.kind === 'refunded') {
      params.out_biz_no = String(extra.outRefundNo);
      params.refund_fee = yuan(Number(extra.amountFen));
      params.gmt_refund = `${alipayTime(now)}.000`;
    }
    params.sign = rsa2Sign(this.platform.privateKey, signContent(params, true));
    return {
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: new URLSearchParams(params).toString(),
    };
  }

  private notify(kind: SentNotification['kind'], t: Trade, extra: Record<string, unknown>) {
    const notificationId = this.style === 'wechat' ? randomUUID() : randomBytes(16).toString('hex');
    const n: SentNotification = {
      notificationId,
      kind,
      outTradeNo: t.outTradeNo,
      extra,
      request: { headers: {}, body: '' },
      attempts: [],
      done: false,
    };
    this.sent.push(n);
    const schedule = this.style === 'wechat' ? wechatResendScheduleMs : alipayResendScheduleMs;
    const accepted = this.style === 'wechat' ? wechatAccepted : alipayAccepted;
    const attempt = async (i: number) => {
      if (n.done) return;
      const copies = Math.max(1, this.opts.copies ?? 1);
      let ok = false;
      for (let c = 0; c < copies; c++) {
        n.request = this.build(n, t, extra);
        ok = (await this.send(n.request).then(accepted)) || ok;
      }
      n.attempts.push({ at: this.clock.now(), accepted: ok });
      if (ok) n.done = true;
      else if (i < schedule.length) this.clock.setTimeout(() => attempt(i + 1), schedule[i]);
    };
    this.clock.setTimeout(() => attempt(0), this.opts.delayMs?.[kind] ?? 0);
  }

  private async send(req: NotifyRequest): Promise<NotifyReply> {
    if (!this.deliverFn) return { status: 503, contentType: 'text/plain', body: 'no receiver' };
    try {
      return await this.deliverFn(req);
    } catch {
      return { status: 500, contentType: 'text/plain', body: 'receiver error' };
    }
  }

  /** Resends a notification the way the provider does (same id, new timestamp, nonce and signature). */
  async resend(notificationId: string) {
    const n = this.sent.find((x) => x.notificationId === notificationId);
    if (!n) throw new Error(`no notification ${notificationId}`);
    const t = this.trade(n.outTradeNo);
    return this.send(this.build(n, t, n.extra));
  }
}
