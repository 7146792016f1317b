import type { ProviderId } from '@shequ/db';

/** An HTTP request as a provider's notification arrives (headers lower-cased, the raw body as received). */
export interface NotifyRequest {
  headers: Record<string, string | undefined>;
  body: string;
}

/** What the provider expects back: the exact reply decides whether it resends. */
export interface NotifyReply {
  status: number;
  contentType: string;
  body: string;
}

/** A notification after its signature, time window and decryption checked out. */
export interface VerifiedNotification {
  /** The provider's id of the notification: the same for every resend of it. */
  notificationId: string;
  /** Unique per delivery: a second delivery with the same nonce is a replay. */
  nonce: string;
  eventType: string;
  kind: 'paid' | 'authorized' | 'refunded' | 'closed' | 'failed';
  outTradeNo: string;
  providerTradeNo?: string;
  outRefundNo?: string;
  amountFen: number;
  payload: Record<string, unknown>;
}

export interface ProviderStatus {
  state: 'pending' | 'authorized' | 'succeeded' | 'closed' | 'failed' | 'unknown';
  providerTradeNo?: string;
  amountFen?: number;
}

/** One line of a provider's daily bill: a captured payment or a refund. */
export interface BillLine {
  kind: 'capture' | 'refund';
  /** Provider transaction number (captures) or our refund number (refunds): what the ledger records as reference. */
  reference: string;
  outTradeNo: string;
  amountFen: number;
  at: string;
}

/**
 * One interface for every payment provider. Adapters build the provider's real request shapes and verify its real
 * notification formats; the service never knows which provider it talks to.
 */
export interface PaymentProvider {
  readonly id: ProviderId;
  /** Creates the provider-side order and returns what the payer's client needs to pay (prepay id, form, QR text). */
  initiate(req: {
    outTradeNo: string;
    amountFen: number;
    subject: string;
    notifyUrl: string;
    capture: 'auto' | 'manual';
  }): Promise<{ payParams: Record<string, unknown> }>;
  /** Places a pre-authorisation hold (manual capture); most payments go straight to captured. */
  authorize(req: { outTradeNo: string; amountFen: number }): Promise<{ status: 'authorized' | 'pending' }>;
  /** Captures an authorised payment (all or part of it). */
  capture(req: { outTradeNo: string; amountFen: number }): Promise<{ providerTradeNo: string }>;
  /** Refunds part or all of a captured payment. */
  refund(req: {
    outTradeNo: string;
    outRefundNo: string;
    amountFen: number;
    totalFen: number;
    reason?: string;
  }): Promise<{ status: 'succeeded' | 'pending'; providerRefundNo?: string }>;
  /** Closes an unpaid provider order. */
  cancel(req: { outTradeNo: string }): Promise<void>;
  /** Asks the provider for the trade's state (the fallback when notifications are late). */
  status(req: { outTradeNo: string }): Promise<ProviderStatus>;
  /** Verifies and decodes a notification; throws an AppError for a forged, stale or malformed one. */
  webhook(req: NotifyRequest, nowMs: number): VerifiedNotification;
  /** The reply the provider needs to stop resending (`ok`) or to resend later. */
  reply(req: NotifyRequest, ok: boolean, message?: string): NotifyReply;
  /** The provider's bill of one day (Asia/Shanghai), for reconciliation. */
  bill(day: string): Promise<BillLine[]>;
}
