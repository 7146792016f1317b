'use client';

import { FileProtectOutlined } from '@ant-design/icons';
import { EntryCard } from '@/components/shell/entry-card';
import { useT } from '@/i18n/lang-provider';

/** A big tap target to 待签合同 on "我的". */
export function ContractsEntry() {
  const t = useT();
  return (
    <EntryCard
      href="/app/me/contracts"
      testId="me-contracts-link"
      icon={(token) => <FileProtectOutlined style={{ fontSize: token.fontSize * 1.6, color: token.colorPrimary }} />}
      title={t('contracts.entry')}
      hint={t('contracts.entry.hint')}
    />
  );
}
