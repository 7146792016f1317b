'use client';

import { ReloadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Space, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { translateDynamic } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

const LIMIT = 100;

type AuditRow = {
  seq: number | string;
  at: string;
  subject: string | null;
  subjectRole: string | null;
  action: string;
  objectType: string | null;
  objectId: string | null;
  result: string;
  detail: unknown;
};

function reasonOf(detail: unknown): string {
  if (typeof detail !== 'object' || detail === null) return '';
  const reason = (detail as { reason?: unknown }).reason;
  return typeof reason === 'string' ? reason : '';
}

/** The most recent audit records the operator may read (their community's). */
export function AuditTable() {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const audit = useQuery(trpc.admin.auditList.queryOptions({ limit: LIMIT }));

  const columns: TableColumnsType<AuditRow> = [
    { title: t('audit.col.at'), dataIndex: 'at', width: 190, render: (v: string) => new Date(v).toLocaleString(lang) },
    {
      title: t('audit.col.subject'),
      dataIndex: 'subject',
      render: (v: string | null, r) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text style={{ fontSize: 12 }} copyable={!!v}>
            {v ?? '—'}
          </Typography.Text>
          {r.subjectRole ? (
            <Typography.Text type="secondary">{translateDynamic(lang, 'role', r.subjectRole)}</Typography.Text>
          ) : null}
        </Space>
      ),
    },
    { title: t('audit.col.action'), dataIndex: 'action', render: (v: string) => <code>{v}</code> },
    {
      title: t('audit.col.object'),
      key: 'object',
      render: (_: unknown, r) => (
        <span>
          {r.objectType ?? ''} <Typography.Text type="secondary">{r.objectId ?? ''}</Typography.Text>
        </span>
      ),
    },
    {
      title: t('audit.col.result'),
      dataIndex: 'result',
      render: (v: string) => <Tag color={v === 'success' ? 'green' : 'red'}>{v}</Tag>,
    },
    { title: t('audit.col.reason'), key: 'reason', render: (_: unknown, r) => reasonOf(r.detail) },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Text type="secondary">{t('audit.hint', { limit: LIMIT })}</Typography.Text>
        <Button icon={<ReloadOutlined />} onClick={() => audit.refetch()} loading={audit.isFetching}>
          {t('common.refresh')}
        </Button>
      </Space>
      {audit.error ? (
        <Alert type="error" showIcon title={errorMessage(audit.error, lang, t('common.networkError'))} />
      ) : null}
      <div data-testid="audit-table">
        <Table<AuditRow>
          rowKey="seq"
          size="small"
          columns={columns}
          dataSource={(audit.data ?? []) as AuditRow[]}
          loading={audit.isLoading}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
        />
      </div>
    </Space>
  );
}
