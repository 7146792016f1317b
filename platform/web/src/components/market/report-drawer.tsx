'use client';

import { useQuery } from '@tanstack/react-query';
import { Drawer, List } from 'antd';
import { useLang, useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { PageError } from '../apps/page-state';
import type { Submission } from './market-types';
import { ReportView } from './report-view';

/** A submission's signed review report, and the reviewer's reasons when it was rejected. */
export function ReportDrawer({ submission, onClose }: { submission: Submission; onClose(): void }) {
  const trpc = useTRPC();
  const { lang } = useLang();
  const t = useT();
  const report = useQuery(trpc.market.report.queryOptions({ id: submission.id }));
  return (
    <Drawer
      open
      width={620}
      onClose={onClose}
      title={`${t('market.report')} · ${submission.pluginId}@${submission.version}`}
    >
      {report.error ? <PageError error={report.error} /> : null}
      {submission.reasons.length ? (
        <List
          size="small"
          header={t('market.reasons')}
          dataSource={submission.reasons}
          renderItem={(r) => <List.Item>{lang === 'en' ? r.en : r.zh}</List.Item>}
          style={{ marginBottom: 16 }}
        />
      ) : null}
      {report.data ? (
        <ReportView passed={report.data.passed} items={report.data.items} keyId={report.data.keyId} />
      ) : null}
    </Drawer>
  );
}
