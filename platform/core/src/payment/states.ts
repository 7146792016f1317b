import type { IntentState, OrderState } from '@shequ/db';
import { AppError } from '../errors.ts';

/**
 * The payment intent's state machine, as data: for each state, the states it may move to. `succeeded` is the
 * captured state. Nothing else moves an intent; `moveIntent` refuses any other transition with a clear error.
 */
export const intentTransitions: Readonly<Record<IntentState, readonly IntentState[]>> = {
  created: ['pending', 'cancelled', 'failed'],
  pending: ['authorized', 'succeeded', 'cancelled', 'failed'],
  authorized: ['succeeded', 'cancelled', 'failed'],
  succeeded: ['partially_refunded', 'refunded'],
  partially_refunded: ['partially_refunded', 'refunded'],
  refunded: [],
  cancelled: [],
  failed: [],
};

/** States in which money was captured (refunds are possible while something is left). */
export const capturedStates: readonly IntentState[] = ['succeeded', 'partially_refunded', 'refunded'];

export const canMove = (from: IntentState, to: IntentState) => intentTransitions[from].includes(to);

/** Throws a CONFLICT unless `from → to` is a transition of the state machine. */
export function assertMove(from: IntentState, to: IntentState) {
  if (!canMove(from, to)) {
    throw new AppError('CONFLICT', {
      zh: `支付状态为“${stateZh[from]}”，不能变为“${stateZh[to]}”`,
      en: `A payment that is ${from} cannot become ${to}`,
    });
  }
}

export const stateZh: Record<IntentState, string> = {
  created: '已创建',
  pending: '待支付',
  authorized: '已授权',
  succeeded: '已支付',
  partially_refunded: '部分退款',
  refunded: '已退款',
  cancelled: '已取消',
  failed: '支付失败',
};

/** The order's state follows from what was paid and refunded. */
export function orderStateOf(paidFen: number, refundedFen: number, cancelled = false): OrderState {
  if (cancelled) return 'cancelled';
  if (paidFen === 0) return 'open';
  if (refundedFen === 0) return 'paid';
  return refundedFen >= paidFen ? 'refunded' : 'partially_refunded';
}
