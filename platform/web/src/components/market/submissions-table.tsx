'use client';

import { Table, type TableColumnsType, Tag } from 'antd';
import type { ReactNode } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import type { Submission } from './market-types';

const stateColor: Record<string, string> = {
  submitted: 'gold',
  in_review: 'blue',
  approved: 'cyan',
  rejected: 'red',
  on_shelf: 'green',
  off_shelf: 'default',
  withdrawn: 'default',
};

/** Submissions with their state; `actions` renders the buttons a row offers to the current user. */
export function SubmissionsTable(props: {
  rows: Submission[] | undefined;
  loading: boolean;
  empty: string;
  actions: (s: Submission) => ReactNode;
  testId: string;
}) {
  const { lang } = useLang();
  const t = useT();
  const columns: TableColumnsType<Submission> = [
    { title: t('market.col.app'), key: 'app', render: (_, s) => `${s.pluginId}@${s.version}` },
    {
      title: t('market.col.state'),
      key: 'state',
      render: (_, s) => (
        <Tag color={stateColor[s.state]} data-testid={`submission-state-${s.id}`}>
          {lang === 'en' ? s.stateName.en : s.stateName.zh}
        </Tag>
      ),
    },
    { title: t('market.col.submitted'), key: 'at', render: (_, s) => new Date(s.createdAt).toLocaleString(lang) },
    { title: t('market.col.actions'), key: 'actions', render: (_, s) => props.actions(s) },
  ];
  return (
    <Table<Submission>
      data-testid={props.testId}
      rowKey="id"
      columns={columns}
      dataSource={props.rows ?? []}
      loading={props.loading}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      locale={{ emptyText: props.empty }}
    />
  );
}
