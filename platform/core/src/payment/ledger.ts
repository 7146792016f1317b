import { randomUUID } from 'node:crypto';
import { ledgerEntries, type Tx } from '@shequ/db';

/** The provider's clearing account: money the provider holds for us (what its bill shows). */
export const providerAccount = (provider: string) => `provider:${provider}`;
export const merchantAccount = 'merchant';

/**
 * Posts one balanced ledger transaction. The entries must sum to zero; the database checks that again at commit
 * (deferred constraint trigger), so an unbalanced transaction can never be stored.
 */
export async function post(
  tx: Tx,
  t: {
    communityId: string;
    kind: 'capture' | 'refund';
    intentId: string;
    refundId?: string;
    reference: string;
    at: Date;
    lines: [account: string, amountFen: number][];
  },
) {
  const txnId = randomUUID();
  await tx.insert(ledgerEntries).values(
    t.lines.map(([account, amountFen]) => ({
      communityId: t.communityId,
      txnId,
      kind: t.kind,
      account,
      amountFen,
      intentId: t.intentId,
      refundId: t.refundId ?? null,
      reference: t.reference,
      createdAt: t.at,
    })),
  );
  return txnId;
}

/** Capture: the provider holds the money (debit), the community earned it (credit). */
export const captureLines = (provider: string, fen: number): [string, number][] => [
  [providerAccount(provider), fen],
  [merchantAccount, -fen],
];

/** Refund: the reverse of a capture, for the refunded amount. */
export const refundLines = (provider: string, fen: number): [string, number][] => [
  [providerAccount(provider), -fen],
  [merchantAccount, fen],
];
