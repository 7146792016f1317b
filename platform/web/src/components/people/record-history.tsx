'use client';

import { Card, Timeline, Typography } from 'antd';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';

export interface HistoryEntry {
  version: number;
  action: string;
  at: string;
  fields: string[];
}

/**
 * A base-data record's change history (people, houses, vehicles): version, action, time and the fields it changed, by
 * their schema titles. `testId` names the timeline; each entry is `${testId}-entry`.
 */
export function RecordHistory(props: {
  history: HistoryEntry[];
  testId: string;
  fieldTitle: (field: string) => string;
}) {
  const t = useT();
  const { lang } = useLang();
  const known = ['create', 'update', 'import', 'merge'];
  const actionLabel = (a: string) => (known.includes(a) ? t(`people.history.${a}` as MessageKey) : a);
  return (
    <Card title={t('people.history')}>
      <Timeline
        data-testid={props.testId}
        items={props.history.map((x) => ({
          key: x.version,
          content: (
            <div data-testid={`${props.testId}-entry`}>
              <Typography.Text strong>
                v{x.version} · {actionLabel(x.action)}
              </Typography.Text>{' '}
              <Typography.Text type="secondary">{new Date(x.at).toLocaleString(lang)}</Typography.Text>
              {x.fields.length ? (
                <div>
                  <Typography.Text type="secondary">
                    {t('people.history.fields')}: {x.fields.map(props.fieldTitle).join('、')}
                  </Typography.Text>
                </div>
              ) : null}
            </div>
          ),
        }))}
      />
    </Card>
  );
}
