import type { Executor } from '@shequ/db';
import { type Clock, systemClock } from './clock.ts';
import type { PaymentDeps } from './deps.ts';
import { handleNotification } from './intents.ts';
import { providersFromEnv } from './providers/env.ts';
import { SandboxProvider } from './providers/sandbox.ts';

/**
 * The payment service of a running platform: the sandbox unless switched off (its notifications delivered in-process to the same
 * handler the notify route uses) and the WeChat Pay, Alipay and UnionPay adapters, unconfigured until credentials
 * are provided (`SHEQU_PAY_*`, see `paymentEnv`) — until then every call to them refuses with a clear "not
 * configured" error naming the missing variables.
 */
export function createPaymentDeps(
  db: Executor,
  opts: {
    clock?: Clock;
    publicUrl?: string;
    sandbox?: boolean;
    /** The `SHEQU_PAY_*` variables (config.paymentProviders). */
    providerEnv?: Record<string, string>;
  } = {},
) {
  const clock = opts.clock ?? systemClock;
  const sandbox = new SandboxProvider({ clock });
  const deps: PaymentDeps & { sandbox: SandboxProvider } = {
    db,
    clock,
    sandbox,
    providers: {
      // Off in production: a sandbox payment moves no money.
      ...(opts.sandbox === false ? {} : { sandbox }),
      ...providersFromEnv(opts.providerEnv ?? {}),
    },
    notifyUrl: (p) => `${opts.publicUrl ?? ''}/api/payment/notify/${p}`,
  };
  sandbox.connect(async (req) => {
    try {
      return (await handleNotification(deps, 'sandbox', req)).reply;
    } catch (err) {
      return sandbox.reply(req, false, err instanceof Error ? err.message : 'error');
    }
  });
  return deps;
}
export type PlatformPayment = ReturnType<typeof createPaymentDeps>;
