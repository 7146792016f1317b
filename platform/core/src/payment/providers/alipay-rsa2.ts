import { createSign, createVerify, type KeyObject } from 'node:crypto';
import { DateTime } from 'luxon';
import { fenOf } from '../money.ts';
import type { NotifyReply, NotifyRequest, VerifiedNotification } from './types.ts';
import { forged } from './wechat-v3.ts';

/** Alipay resends an unacknowledged notification after 4m, 10m, 10m, 1h, 2h, 6h and 15h. */
export const alipayResendScheduleMs = [4 * 60, 10 * 60, 10 * 60, 3600, 7200, 21600, 54000].map((s) => s * 1000);

export const alipayWindowMs = 5 * 60_000;
const zone = 'Asia/Shanghai';

/** The string Alipay signs: non-empty parameters except `sign` (and `sign_type` for notifications), sorted, `k=v&…`. */
export function signContent(params: Record<string, string>, dropSignType: boolean) {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && !(dropSignType && k === 'sign_type') && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export const rsa2Sign = (key: KeyObject, content: string) =>
  createSign('RSA-SHA256').update(content, 'utf8').sign(key, 'base64');

export const rsa2Verify = (key: KeyObject, content: string, sign: string) =>
  createVerify('RSA-SHA256').update(content, 'utf8').verify(key, sign, 'base64');

/** Alipay's time format (`yyyy-MM-dd HH:mm:ss`, Beijing time). */
export const alipayTime = (ms: number) => DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm:ss');

/**
 * Verifies an asynchronous notification (form-encoded, RSA2): the signature under Alipay's public key, our app id,
 * and `notify_time` inside the window. Amounts come as yuan strings and are turned into fen exactly.
 */
export function verifyAlipayNotification(
  req: NotifyRequest,
  opts: { alipayPublicKey: KeyObject; appId: string; nowMs: number },
): VerifiedNotification {
  const params = Object.fromEntries(new URLSearchParams(req.body)) as Record<string, string>;
  if (!params.sign || params.sign_type !== 'RSA2') throw forged('missing RSA2 sign');
  if (!rsa2Verify(opts.alipayPublicKey, signContent(params, true), params.sign)) throw forged('bad signature');
  if (params.app_id !== opts.appId) throw forged('notification for another app');
  const sent = DateTime.fromFormat(params.notify_time ?? '', 'yyyy-MM-dd HH:mm:ss', { zone });
  if (!sent.isValid || Math.abs(opts.nowMs - sent.toMillis()) > alipayWindowMs) {
    throw forged('notify_time outside the five-minute window');
  }
  if (!params.notify_id || !params.out_trade_no) throw forged('malformed notification');
  const refund = Boolean(params.out_biz_no && params.refund_fee);
  const kind: VerifiedNotification['kind'] = refund
    ? 'refunded'
    : params.trade_status === 'TRADE_SUCCESS' || params.trade_status === 'TRADE_FINISHED'
      ? 'paid'
      : params.trade_status === 'TRADE_CLOSED'
        ? 'closed'
        : 'failed';
  return {
    notificationId: params.notify_id,
    nonce: `${params.notify_id}@${params.notify_time}`,
    eventType: `${params.notify_type}:${params.trade_status ?? ''}`,
    kind,
    outTradeNo: params.out_trade_no,
    providerTradeNo: params.trade_no,
    outRefundNo: refund ? params.out_biz_no : undefined,
    amountFen: fenOf(refund ? params.refund_fee : params.total_amount),
    payload: params,
  };
}

/** Alipay stops resending only on the exact body `success`. */
export const alipayReply = (ok: boolean): NotifyReply => ({
  status: 200,
  contentType: 'text/plain',
  body: ok ? 'success' : 'fail',
});

export const alipayAccepted = (r: NotifyReply) => r.status === 200 && r.body === 'success';
