'use client';

import { WalletOutlined } from '@ant-design/icons';
import { EntryCard } from '@/components/shell/entry-card';
import { useT } from '@/i18n/lang-provider';

/** A big tap target on "我的" leading to 我的订单. */
export function OrdersEntry({ testId }: { testId: string }) {
  const t = useT();
  return (
    <EntryCard
      href="/app/me/orders"
      testId={testId}
      icon={(token) => <WalletOutlined style={{ fontSize: token.fontSize * 1.6, color: token.colorPrimary }} />}
      title={t('payment.entry')}
      hint={t('payment.entry.hint')}
    />
  );
}
