'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Form, Input, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import { useLang, useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { pick } from '../apps/app-types';
import { PageError } from '../apps/page-state';
import { useMarketAction } from './use-market-action';

/**
 * Federation (DB33 8.1.1) for platform administrators: the upstream catalogs this catalog follows with their last
 * sync and last error, "sync now", unfollow, and following a new upstream with its pinned key.
 */
export function Upstreams() {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const action = useMarketAction();
  const list = useQuery(trpc.market.upstreams.list.queryOptions());
  const own = useQuery(trpc.market.upstreams.catalogKey.queryOptions());
  const [form] = Form.useForm<{ url: string; key: string }>();
  const add = useMutation(
    trpc.market.upstreams.add.mutationOptions({
      onSuccess: () => {
        form.resetFields();
        return action.onSuccess();
      },
      onError: action.onError,
    }),
  );
  const sync = useMutation(
    trpc.market.upstreams.syncNow.mutationOptions({
      onSuccess: (r) =>
        action.onSuccess(
          t('market.upstreams.synced', { added: r.added.length, killed: r.killed.length, off: r.offShelf.length }),
        ),
      onError: async (e) => {
        action.onError(e);
        await list.refetch();
      },
    }),
  );
  const remove = useMutation(
    trpc.market.upstreams.remove.mutationOptions({ onSuccess: () => action.onSuccess(), onError: action.onError }),
  );

  if (list.error) return <PageError error={list.error} onRetry={() => list.refetch()} />;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Alert type="info" showIcon message={t('market.upstreams.intro')} />
      {own.data ? (
        <Typography.Text data-testid="own-catalog">
          {t('market.upstreams.thisCatalog', { id: own.data.catalogId, fingerprint: own.data.fingerprint })}
        </Typography.Text>
      ) : null}
      <Form
        form={form}
        layout="inline"
        onFinish={(v) => add.mutate({ url: v.url.trim(), key: v.key.trim() })}
        data-testid="follow-form"
      >
        <Form.Item name="url" label={t('market.upstreams.url')} rules={[{ required: true }]}>
          <Input placeholder="https://market.zj.example" style={{ width: 280 }} />
        </Form.Item>
        <Form.Item
          name="key"
          label={t('market.upstreams.key')}
          tooltip={t('market.upstreams.keyHelp')}
          rules={[{ required: true, min: 16 }]}
        >
          <Input style={{ width: 280 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={add.isPending}>
          {t('market.upstreams.add')}
        </Button>
      </Form>
      <Table
        rowKey="id"
        data-testid="upstreams"
        loading={list.isLoading}
        dataSource={list.data ?? []}
        locale={{ emptyText: t('market.upstreams.empty') }}
        pagination={false}
        columns={[
          { title: t('market.upstreams.url'), dataIndex: 'url' },
          { title: t('market.upstreams.catalog'), dataIndex: 'catalogId', render: (v) => v ?? '—' },
          { title: t('market.upstreams.fingerprint'), dataIndex: 'keyFingerprint', render: (v) => <code>{v}</code> },
          { title: t('market.upstreams.serial'), dataIndex: 'lastSerial' },
          {
            title: t('market.upstreams.lastSync'),
            dataIndex: 'lastSyncAt',
            render: (v: string | null, u) =>
              u.active ? (
                v ? (
                  new Date(v).toLocaleString(lang)
                ) : (
                  t('market.upstreams.never')
                )
              ) : (
                <Tag>{t('market.upstreams.inactive')}</Tag>
              ),
          },
          {
            title: t('market.upstreams.lastError'),
            dataIndex: 'lastError',
            render: (e: { zh: string; en: string } | null) =>
              e ? (
                <Typography.Text type="danger">{pick(e, lang)}</Typography.Text>
              ) : (
                <Tag color="green">{t('market.upstreams.ok')}</Tag>
              ),
          },
          {
            title: '',
            key: 'actions',
            render: (_, u) =>
              u.active ? (
                <Space>
                  <Button
                    size="small"
                    data-testid={`sync-${u.id}`}
                    loading={sync.isPending && sync.variables?.id === u.id}
                    onClick={() => sync.mutate({ id: u.id })}
                  >
                    {t('market.upstreams.syncNow')}
                  </Button>
                  <Popconfirm title={t('market.upstreams.removeConfirm')} onConfirm={() => remove.mutate({ id: u.id })}>
                    <Button size="small" danger>
                      {t('market.upstreams.remove')}
                    </Button>
                  </Popconfirm>
                </Space>
              ) : null,
          },
        ]}
      />
    </Space>
  );
}
