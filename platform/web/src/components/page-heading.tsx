'use client';

import { Typography } from 'antd';
import type { MessageKey } from '@/i18n/lang';
import { useT } from '@/i18n/lang-provider';

/** The heading of a console page, under the shell title. */
export function PageHeading({ titleKey }: { titleKey: MessageKey }) {
  const t = useT();
  return (
    <Typography.Title level={4} style={{ marginTop: 0 }} data-testid="page-title">
      {t(titleKey)}
    </Typography.Title>
  );
}
