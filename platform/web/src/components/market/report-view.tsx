'use client';

import { CheckCircleTwoTone, CloseCircleTwoTone, ExclamationCircleTwoTone } from '@ant-design/icons';
import { Alert, List, Typography } from 'antd';
import { useLang, useT } from '@/i18n/lang-provider';
import type { ReportItem } from './market-types';

const icons = {
  pass: <CheckCircleTwoTone twoToneColor="#52c41a" />,
  warn: <ExclamationCircleTwoTone twoToneColor="#faad14" />,
  fail: <CloseCircleTwoTone twoToneColor="#ff4d4f" />,
};

/** An automated review report in the reader's language: one line per check, failures first. */
export function ReportView({ passed, items, keyId }: { passed: boolean; items: ReportItem[]; keyId?: string }) {
  const { lang } = useLang();
  const t = useT();
  const order = { fail: 0, warn: 1, pass: 2 };
  const sorted = [...items].sort((a, b) => order[a.level] - order[b.level]);
  return (
    <div data-testid="review-report">
      <Alert
        type={passed ? 'success' : 'error'}
        showIcon
        title={t(passed ? 'market.review.passed' : 'market.review.failed')}
        description={keyId ? t('market.signedBy', { key: keyId }) : undefined}
        style={{ marginBottom: 12 }}
      />
      <List
        size="small"
        dataSource={sorted}
        renderItem={(i) => (
          <List.Item data-testid={`report-item-${i.id}`} data-level={i.level}>
            <Typography.Text>
              {icons[i.level]} {lang === 'en' ? i.en : i.zh}
            </Typography.Text>
          </List.Item>
        )}
      />
    </div>
  );
}
