import type { Executor, ProviderId } from '@shequ/db';
import { AppError } from '../errors.ts';
import { type Clock, systemClock } from './clock.ts';
import type { PaymentProvider } from './providers/types.ts';

export type ProviderRegistry = Partial<Record<ProviderId, PaymentProvider>>;

/** What the payment service works with: the database, the providers it may use and the clock. */
export interface PaymentDeps {
  db: Executor;
  providers: ProviderRegistry;
  clock?: Clock;
  /** The public URL providers send notifications to (`…/api/payment/notify/<provider>`). */
  notifyUrl?: (provider: ProviderId) => string;
}

export const clockOf = (deps: PaymentDeps) => deps.clock ?? systemClock;

export function providerOf(deps: PaymentDeps, id: ProviderId): PaymentProvider {
  const p = deps.providers[id];
  if (!p) {
    throw new AppError('UNAVAILABLE', {
      zh: `支付渠道“${id}”未启用`,
      en: `Payment provider ${id} is not enabled`,
    });
  }
  return p;
}

export const scopeOf = (communityId: string) => ({ kind: 'communities' as const, ids: [communityId] });
