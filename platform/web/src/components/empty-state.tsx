'use client';

import { Empty } from 'antd';
import { useT } from '@/i18n/lang-provider';

/** Placeholder where later features will land: says so plainly instead of showing made-up data. */
export function EmptyState({ description }: { description?: string }) {
  const t = useT();
  return (
    <div data-testid="empty-state" style={{ padding: '48px 0' }}>
      <Empty description={description ?? t('common.empty')} />
    </div>
  );
}
