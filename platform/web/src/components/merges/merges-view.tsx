'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { Alert, App, Button, Input, Segmented, Space, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useState } from 'react';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

type Status = 'pending' | 'accepted' | 'rejected';
type Proposal = inferOutput<ReturnType<typeof useTRPC>['base']['merges']['list']>['items'][number];

const entityColour = { person: 'blue', house: 'green', vehicle: 'purple' } as const;

/**
 * 合并建议: import rows that named a registered record with other data. Per field the stored and the imported
 * value side by side (L3+ values masked); the operator accepts (the record takes the imported values) or rejects.
 */
export function MergesView({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const { message, modal } = App.useApp();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [status, setStatus] = useState<Status>('pending');
  const [error, setError] = useState<string | null>(null);
  const list = useQuery(trpc.base.merges.list.queryOptions({ community, status }));
  const decide = useMutation(trpc.base.merges.decide.mutationOptions());

  const ask = (p: Proposal, decision: 'accept' | 'reject') => {
    let note = '';
    modal.confirm({
      title: t(decision === 'accept' ? 'merges.accept.confirm' : 'merges.reject.confirm'),
      content: (
        <Input.TextArea
          placeholder={t('merges.note')}
          maxLength={500}
          autoSize={{ minRows: 2 }}
          onChange={(e) => {
            note = e.target.value;
          }}
          data-testid="merge-note"
        />
      ),
      okText: t(decision === 'accept' ? 'merges.accept' : 'merges.reject'),
      cancelText: t('common.cancel'),
      okButtonProps: { 'data-testid': 'merge-confirm', danger: decision === 'reject' } as { danger: boolean } & Record<
        `data-${string}`,
        string
      >,
      onOk: async () => {
        setError(null);
        try {
          await decide.mutateAsync({ community, id: p.id, decision, note: note.trim() || null });
          message.success(t(decision === 'accept' ? 'merges.accepted' : 'merges.rejected'));
        } catch (e) {
          setError(errorMessage(e, lang, t('common.unknownError')));
        } finally {
          await qc.invalidateQueries({ queryKey: trpc.base.merges.pathKey() });
          await qc.invalidateQueries({ queryKey: trpc.base.people.pathKey() });
        }
      },
    });
  };

  const value = (v: string | null) =>
    v === null ? <Typography.Text type="secondary">{t('merges.empty.value')}</Typography.Text> : v;
  const columns: TableColumnsType<Proposal> = [
    {
      title: t('merges.col.record'),
      key: 'record',
      width: 240,
      render: (_, p) => (
        <Space direction="vertical" size={2}>
          <Tag color={entityColour[p.entity]}>{t(`merges.entity.${p.entity}` as MessageKey)}</Tag>
          <span data-testid="merge-label">{p.label ?? p.targetId}</span>
        </Space>
      ),
    },
    {
      title: t('merges.col.changes'),
      key: 'changes',
      render: (_, p) => (
        <div>
          {p.changes.map((c) => (
            <div key={c.field} data-testid="merge-change" data-field={c.field}>
              <Typography.Text strong>{t(`merges.field.${c.field}` as MessageKey)}</Typography.Text>
              {'：'}
              <Typography.Text delete={status === 'accepted'}>{value(c.current)}</Typography.Text>
              {' → '}
              <Typography.Text type="success" strong>
                {value(c.incoming)}
              </Typography.Text>
            </div>
          ))}
        </div>
      ),
    },
    {
      title: t('merges.col.source'),
      key: 'source',
      width: 220,
      render: (_, p) => (
        <Space direction="vertical" size={2}>
          <span>{t('merges.source', { file: p.source, row: p.sourceRow ?? '—' })}</span>
          <Typography.Text type="secondary">{new Date(p.createdAt).toLocaleString(lang)}</Typography.Text>
        </Space>
      ),
    },
    {
      title: t('merges.col.decision'),
      key: 'decision',
      width: 200,
      render: (_, p) =>
        p.status === 'pending' ? (
          <Space>
            <Button type="primary" onClick={() => ask(p, 'accept')} data-testid="merge-accept">
              {t('merges.accept')}
            </Button>
            <Button onClick={() => ask(p, 'reject')} data-testid="merge-reject">
              {t('merges.reject')}
            </Button>
          </Space>
        ) : (
          <Space direction="vertical" size={2}>
            <span>
              {t('merges.decidedBy', {
                who: p.decidedBy ?? '—',
                time: p.decidedAt ? new Date(p.decidedAt).toLocaleString(lang) : '—',
              })}
            </span>
            {p.note ? <Typography.Text type="secondary">{p.note}</Typography.Text> : null}
          </Space>
        ),
    },
  ];

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
        {t('merges.intro')}
      </Typography.Paragraph>
      <Segmented<Status>
        value={status}
        onChange={setStatus}
        options={(['pending', 'accepted', 'rejected'] as const).map((s) => ({
          value: s,
          label: t(`merges.status.${s}`),
        }))}
        data-testid="merge-status"
      />
      {error ? <Alert type="error" showIcon title={error} data-testid="merge-error" /> : null}
      <div data-testid="merge-table">
        <Table<Proposal>
          rowKey="id"
          loading={list.isLoading}
          columns={columns}
          dataSource={list.data?.items ?? []}
          locale={{ emptyText: t('merges.empty') }}
          pagination={false}
          onRow={(p) => ({ 'data-testid': 'merge-row', 'data-entity': p.entity }) as Record<string, string>}
        />
      </div>
    </Space>
  );
}
