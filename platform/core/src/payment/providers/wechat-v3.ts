import { createCipheriv, createDecipheriv, createSign, createVerify, type KeyObject, randomBytes } from 'node:crypto';
import { AppError } from '../../errors.ts';
import type { NotifyReply, NotifyRequest, VerifiedNotification } from './types.ts';

/**
 * WeChat Pay API v3 formats: RSA-SHA256 signatures over `line\n…\n`, the `Authorization` header of a request, and
 * notifications whose `resource` is AES-256-GCM encrypted with the merchant's APIv3 key. Shared by the WeChat
 * adapter (verifying) and the sandbox (producing).
 */
export const wechatResendScheduleMs = [
  15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
].map((s) => s * 1000);

/** How far a notification's timestamp may be from now: WeChat's guidance is five minutes. */
export const wechatWindowMs = 5 * 60_000;

export const signLines = (key: KeyObject, lines: string[]) =>
  createSign('RSA-SHA256')
    .update(`${lines.join('\n')}\n`)
    .sign(key, 'base64');

export const verifyLines = (key: KeyObject, lines: string[], signature: string) =>
  createVerify('RSA-SHA256')
    .update(`${lines.join('\n')}\n`)
    .verify(key, signature, 'base64');

/** The `Authorization` header of a v3 request (method, canonical URL, timestamp, nonce, body). */
export function authorizationHeader(opts: {
  mchId: string;
  serialNo: string;
  key: KeyObject;
  method: string;
  url: string;
  body: string;
  timestamp: number;
  nonce: string;
}) {
  const signature = signLines(opts.key, [opts.method, opts.url, String(opts.timestamp), opts.nonce, opts.body]);
  return `WECHATPAY2-SHA256-RSA2048 mchid="${opts.mchId}",nonce_str="${opts.nonce}",signature="${signature}",timestamp="${opts.timestamp}",serial_no="${opts.serialNo}"`;
}

export interface EncryptedResource {
  algorithm: 'AEAD_AES_256_GCM';
  ciphertext: string;
  associated_data: string;
  nonce: string;
  original_type: string;
}

/** Encrypts a notification resource: base64(ciphertext ‖ 16-byte tag), a 12-character nonce. */
export function encryptResource(apiV3Key: Buffer, plaintext: string, associatedData: string, originalType: string) {
  const nonce = randomBytes(9).toString('base64url').slice(0, 12);
  const cipher = createCipheriv('aes-256-gcm', apiV3Key, Buffer.from(nonce));
  cipher.setAAD(Buffer.from(associatedData));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return {
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext: ct.toString('base64'),
    associated_data: associatedData,
    nonce,
    original_type: originalType,
  } satisfies EncryptedResource;
}

export function decryptResource(apiV3Key: Buffer, r: EncryptedResource): string {
  const raw = Buffer.from(r.ciphertext, 'base64');
  if (raw.length < 17) throw forged('resource too short');
  const decipher = createDecipheriv('aes-256-gcm', apiV3Key, Buffer.from(r.nonce));
  decipher.setAAD(Buffer.from(r.associated_data ?? ''));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  try {
    return Buffer.concat([decipher.update(raw.subarray(0, raw.length - 16)), decipher.final()]).toString('utf8');
  } catch (cause) {
    throw forged('resource does not decrypt', cause);
  }
}

export const forged = (why: string, cause?: unknown) =>
  new AppError('FORBIDDEN', { zh: `支付通知验证失败：${why}`, en: `Payment notification refused: ${why}`, cause });

/**
 * Verifies a v3 notification: the platform certificate serial is known, the timestamp is inside the window, the
 * RSA-SHA256 signature over `timestamp\nnonce\nbody\n` holds, and the resource decrypts under the APIv3 key.
 */
export function verifyWechatNotification(
  req: NotifyRequest,
  opts: { platformKeys: Map<string, KeyObject>; apiV3Key: Buffer; nowMs: number },
): VerifiedNotification {
  const h = req.headers;
  const timestamp = h['wechatpay-timestamp'];
  const nonce = h['wechatpay-nonce'];
  const serial = h['wechatpay-serial'];
  const signature = h['wechatpay-signature'];
  if (!timestamp || !nonce || !serial || !signature) throw forged('missing Wechatpay-* headers');
  const key = opts.platformKeys.get(serial);
  if (!key) throw forged(`unknown platform certificate ${serial}`);
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(opts.nowMs - Number(timestamp) * 1000) > wechatWindowMs) {
    throw forged('timestamp outside the five-minute window');
  }
  if (!verifyLines(key, [timestamp, nonce, req.body], signature)) throw forged('bad signature');
  let body: { id?: string; event_type?: string; resource?: EncryptedResource };
  try {
    body = JSON.parse(req.body);
  } catch (cause) {
    throw forged('body is not JSON', cause);
  }
  if (!body.id || !body.event_type || body.resource?.algorithm !== 'AEAD_AES_256_GCM') throw forged('malformed body');
  const resource = JSON.parse(decryptResource(opts.apiV3Key, body.resource)) as Record<string, unknown>;
  const amount = (resource.amount ?? {}) as { total?: number; refund?: number };
  const refund = body.event_type.startsWith('REFUND.');
  const kind: VerifiedNotification['kind'] =
    body.event_type === 'TRANSACTION.SUCCESS'
      ? 'paid'
      : body.event_type === 'REFUND.SUCCESS'
        ? 'refunded'
        : body.event_type === 'TRANSACTION.CLOSED'
          ? 'closed'
          : 'failed';
  return {
    notificationId: body.id,
    nonce,
    eventType: body.event_type,
    kind,
    outTradeNo: String(resource.out_trade_no ?? ''),
    providerTradeNo: resource.transaction_id ? String(resource.transaction_id) : undefined,
    outRefundNo: resource.out_refund_no ? String(resource.out_refund_no) : undefined,
    amountFen: Number(refund ? amount.refund : amount.total),
    payload: resource,
  };
}

/** v3 wants 200/204 for success; anything else (with a FAIL body) makes it resend on its schedule. */
export const wechatReply = (ok: boolean, message = '失败'): NotifyReply =>
  ok
    ? { status: 204, contentType: 'application/json', body: '' }
    : { status: 500, contentType: 'application/json', body: JSON.stringify({ code: 'FAIL', message }) };

export const wechatAccepted = (r: NotifyReply) => r.status === 200 || r.status === 204;
