import type { ProviderId } from '@shequ/db';
import { queryRows, withScope } from '@shequ/db';
import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { AppError } from '../errors.ts';
import { communityZone } from '../time.ts';
import { type Clock, systemClock } from './clock.ts';
import { type PaymentDeps, providerOf } from './deps.ts';
import { providerAccount } from './ledger.ts';
import type { BillLine } from './providers/types.ts';

const zone = communityZone;

export interface ReconciliationDifference {
  kind: 'missing_in_ledger' | 'missing_in_bill' | 'amount_mismatch';
  entry: 'capture' | 'refund';
  reference: string;
  billFen: number | null;
  ledgerFen: number | null;
}

/**
 * Compares a provider's bill of one day (Asia/Shanghai) with the ledger's provider account for the same day, line by
 * line on the provider reference: what the bill has and the ledger lacks, the reverse, and amounts that differ.
 * Platform-wide (one merchant account per provider), so it reads across communities.
 */
export async function reconcileDay(deps: PaymentDeps, providerId: ProviderId, day: string) {
  const from = DateTime.fromISO(day, { zone }).startOf('day');
  if (!from.isValid || !/^\d{4}-\d{2}-\d{2}$/.test(day)) {
    throw new AppError('INVALID_INPUT', { zh: '日期格式应为 YYYY-MM-DD', en: 'The day must be YYYY-MM-DD' });
  }
  const bill = await providerOf(deps, providerId).bill(day);
  const ledger = await withScope(deps.db, { kind: 'all' }, (tx) =>
    queryRows<{ kind: 'capture' | 'refund'; reference: string; amount: string | number; community_id: string }>(
      tx,
      sql`select kind, reference, sum(amount_fen) as amount, min(community_id::text) as community_id
          from payment.ledger_entries
          where account = ${providerAccount(providerId)}
            and created_at >= ${from.toJSDate().toISOString()} and created_at < ${from.plus({ days: 1 }).toJSDate().toISOString()}
          group by kind, reference`,
    ),
  );
  const key = (kind: string, ref: string) => `${kind}:${ref}`;
  const billMap = new Map<string, BillLine>();
  for (const l of bill) {
    const k = key(l.kind, l.reference);
    const prev = billMap.get(k);
    billMap.set(k, prev ? { ...prev, amountFen: prev.amountFen + l.amountFen } : l);
  }
  // The provider account is debited on capture and credited on refund: compare magnitudes.
  const ledgerMap = new Map(ledger.map((r) => [key(r.kind, r.reference), { ...r, fen: Math.abs(Number(r.amount)) }]));
  const differences: ReconciliationDifference[] = [];
  for (const [k, l] of billMap) {
    const g = ledgerMap.get(k);
    if (!g)
      differences.push({
        kind: 'missing_in_ledger',
        entry: l.kind,
        reference: l.reference,
        billFen: l.amountFen,
        ledgerFen: null,
      });
    else if (g.fen !== l.amountFen) {
      differences.push({
        kind: 'amount_mismatch',
        entry: l.kind,
        reference: l.reference,
        billFen: l.amountFen,
        ledgerFen: g.fen,
      });
    }
  }
  for (const [k, g] of ledgerMap) {
    if (!billMap.has(k))
      differences.push({
        kind: 'missing_in_bill',
        entry: g.kind,
        reference: g.reference,
        billFen: null,
        ledgerFen: g.fen,
      });
  }
  const sum = (xs: { kind: string; fen: number }[], kind: string) =>
    xs.filter((x) => x.kind === kind).reduce((a, x) => a + x.fen, 0);
  const billLines = [...billMap.values()].map((l) => ({ kind: l.kind, fen: l.amountFen }));
  const ledgerLines = [...ledgerMap.values()].map((l) => ({ kind: l.kind, fen: l.fen }));
  return {
    day,
    provider: providerId,
    balanced: differences.length === 0,
    bill: { lines: billLines.length, capturedFen: sum(billLines, 'capture'), refundedFen: sum(billLines, 'refund') },
    ledger: {
      lines: ledgerLines.length,
      capturedFen: sum(ledgerLines, 'capture'),
      refundedFen: sum(ledgerLines, 'refund'),
    },
    differences,
  };
}
export type ReconciliationReport = Awaited<ReturnType<typeof reconcileDay>>;

/**
 * The daily job: shortly after 10:00 Beijing time (bills of the previous day are ready then) reconcile yesterday for
 * every enabled provider and hand the reports to `onReport` (log, notify operators). Returns a stop function.
 */
export function startReconciliationJob(
  deps: PaymentDeps,
  onReport: (r: ReconciliationReport) => void | Promise<void>,
  opts: { clock?: Clock; hour?: number } = {},
) {
  const clock = opts.clock ?? deps.clock ?? systemClock;
  let handle: unknown;
  let stopped = false;
  const schedule = () => {
    const now = DateTime.fromMillis(clock.now(), { zone });
    let next = now.startOf('day').plus({ hours: opts.hour ?? 10 });
    if (next <= now) next = next.plus({ days: 1 });
    handle = clock.setTimeout(run, next.toMillis() - now.toMillis());
  };
  const run = async () => {
    if (stopped) return;
    const day = DateTime.fromMillis(clock.now(), { zone }).minus({ days: 1 }).toFormat('yyyy-MM-dd');
    for (const id of Object.keys(deps.providers) as ProviderId[]) {
      try {
        await onReport(await reconcileDay(deps, id, day));
      } catch {
        // An unconfigured provider has no bill to fetch; the others still run.
      }
    }
    if (!stopped) schedule();
  };
  schedule();
  return () => {
    stopped = true;
    clock.clearTimeout(handle);
  };
}
