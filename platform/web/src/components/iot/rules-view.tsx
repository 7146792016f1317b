'use client';

import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Popconfirm, Space, Switch, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useState } from 'react';
import { EmptyState } from '@/components/empty-state';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { RuleEditorDrawer } from './rule-editor-drawer';
import { type RuleRow, stamp } from './use-iot';

/** The community's linkage rules: what each listens to, its condition and actions; on/off, edit, delete. */
export function RulesView({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [editing, setEditing] = useState<RuleRow | 'new' | null>(null);
  const list = useQuery(trpc.iot.rules.list.queryOptions({ community }));
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.iot.rules.list.queryKey({ community }) });
  const fail = (e: unknown) => message.error(errorMessage(e, lang, t('common.unknownError')));
  const enable = useMutation(trpc.iot.rules.enable.mutationOptions({ onSuccess: refresh, onError: fail }));
  const disable = useMutation(trpc.iot.rules.disable.mutationOptions({ onSuccess: refresh, onError: fail }));
  const remove = useMutation(trpc.iot.rules.delete.mutationOptions({ onSuccess: refresh, onError: fail }));

  const columns: TableColumnsType<RuleRow> = [
    { title: t('rules.col.name'), dataIndex: 'name' },
    {
      title: t('rules.col.trigger'),
      key: 'trigger',
      render: (_: unknown, r) => (
        <span>
          <Tag>{t(`rules.trigger.${r.trigger.kind}` as MessageKey)}</Tag>
          <code>
            {[r.trigger.productKey, r.trigger.deviceName, r.trigger.identifier, r.trigger.cron]
              .filter(Boolean)
              .join(' / ')}
          </code>
        </span>
      ),
    },
    {
      title: t('rules.col.condition'),
      dataIndex: 'condition',
      render: (c: string) => (c ? <Typography.Text code>{c}</Typography.Text> : '—'),
    },
    {
      title: t('rules.col.actions'),
      key: 'actions',
      render: (_: unknown, r) => [...new Set(r.actions.map((a) => a.kind))].map((k) => <Tag key={k}>{k}</Tag>),
    },
    {
      title: t('rules.col.enabled'),
      dataIndex: 'enabled',
      render: (on: boolean, r) => (
        <Switch
          checked={on}
          data-testid={`rule-enabled-${r.name}`}
          onChange={(v) => (v ? enable.mutate({ id: r.id }) : disable.mutate({ id: r.id }))}
        />
      ),
    },
    { title: t('rules.col.updated'), dataIndex: 'updatedAt', render: (v: string) => stamp(v, lang) },
    {
      key: 'ops',
      render: (_: unknown, r) => (
        <Space>
          <Button size="small" onClick={() => setEditing(r)}>
            {t('rules.edit')}
          </Button>
          <Popconfirm title={t('rules.delete.confirm')} onConfirm={() => remove.mutate({ id: r.id })}>
            <Button size="small" danger>
              {t('rules.delete')}
            </Button>
          </Popconfirm>
        </Space>
      ),
    },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'flex-end' }}>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="rule-add">
          {t('rules.add')}
        </Button>
      </Space>
      {list.error ? (
        <Alert type="error" showIcon title={errorMessage(list.error, lang, t('common.networkError'))} />
      ) : null}
      {list.data && list.data.length === 0 ? (
        <EmptyState description={t('rules.empty')} />
      ) : (
        <div data-testid="rule-table">
          <Table<RuleRow>
            rowKey="id"
            size="middle"
            columns={columns}
            dataSource={list.data ?? []}
            loading={list.isLoading}
            pagination={false}
          />
        </div>
      )}
      <RuleEditorDrawer
        community={community}
        rule={editing}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          void refresh();
        }}
      />
    </Space>
  );
}
