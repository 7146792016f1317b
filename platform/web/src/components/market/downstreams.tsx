'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { Button, Form, Input, Popconfirm, Table, Tag, Typography } from 'antd';
import { useLang, useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { PageError } from '../apps/page-state';
import { applyFieldErrors } from '../login/field-errors';
import { useMarketAction } from './use-market-action';

interface Values {
  catalogId: string;
  name: string;
  key: string;
  region?: string;
}

/**
 * 下级目录 (DB33 8.1.2, upstream side) for platform administrators: the following catalogs whose signed daily
 * operations reports this catalog accepts, each pinned to its catalog key; registering one, and removing one (its
 * reports are refused from then on; what it sent stays).
 */
export function Downstreams() {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const action = useMarketAction();
  const list = useQuery(trpc.market.downstreams.list.queryOptions());
  const [form] = Form.useForm<Values>();
  const add = useMutation(
    trpc.market.downstreams.add.mutationOptions({
      onSuccess: (d) => {
        form.resetFields();
        return action.onSuccess(t('market.downstreams.added', { id: d.catalogId }));
      },
      onError: (e) => {
        applyFieldErrors(form, e);
        action.onError(e);
      },
    }),
  );
  const remove = useMutation(
    trpc.market.downstreams.remove.mutationOptions({ onSuccess: () => action.onSuccess(), onError: action.onError }),
  );

  return (
    <section data-testid="downstreams-section" style={{ marginTop: 32 }}>
      <Typography.Title level={4}>{t('market.downstreams.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('market.downstreams.intro')}</Typography.Paragraph>
      <Form
        form={form}
        name="downstream"
        layout="inline"
        style={{ rowGap: 8, marginBottom: 16 }}
        data-testid="downstream-form"
        onFinish={(v) =>
          add.mutate({
            catalogId: v.catalogId.trim(),
            name: v.name.trim(),
            key: v.key.trim(),
            region: v.region?.trim() || null,
          })
        }
      >
        <Form.Item name="catalogId" label={t('market.downstreams.catalogId')} rules={[{ required: true }]}>
          <Input placeholder="xh-community" style={{ width: 180 }} data-testid="downstream-catalog-id" />
        </Form.Item>
        <Form.Item name="name" label={t('market.downstreams.name')} rules={[{ required: true }]}>
          <Input style={{ width: 180 }} data-testid="downstream-name" />
        </Form.Item>
        <Form.Item
          name="key"
          label={t('market.downstreams.key')}
          tooltip={t('market.downstreams.keyHelp')}
          rules={[{ required: true, min: 16 }]}
        >
          <Input style={{ width: 240 }} data-testid="downstream-key" />
        </Form.Item>
        <Form.Item name="region" label={t('market.downstreams.region')} tooltip={t('market.downstreams.regionHelp')}>
          <Input placeholder="330106" style={{ width: 120 }} data-testid="downstream-region" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={add.isPending} data-testid="downstream-add">
          {t('market.downstreams.add')}
        </Button>
      </Form>
      {list.error ? (
        <PageError error={list.error} onRetry={() => list.refetch()} />
      ) : (
        <Table
          rowKey="id"
          data-testid="downstreams"
          loading={list.isLoading}
          dataSource={list.data ?? []}
          locale={{ emptyText: t('market.downstreams.empty') }}
          pagination={false}
          columns={[
            { title: t('market.downstreams.name'), dataIndex: 'name' },
            { title: t('market.downstreams.catalogId'), dataIndex: 'catalogId' },
            {
              title: t('market.upstreams.fingerprint'),
              dataIndex: 'keyFingerprint',
              render: (v: string) => <code>{v}</code>,
            },
            {
              title: t('market.downstreams.region'),
              dataIndex: 'regionName',
              render: (v: string | null, d) => (v ? `${v}（${d.regionCode}）` : '—'),
            },
            {
              title: t('market.downstreams.lastReport'),
              dataIndex: 'lastReportAt',
              render: (v: string | null, d) =>
                d.active ? (
                  v ? (
                    new Date(v).toLocaleString(lang)
                  ) : (
                    t('market.downstreams.never')
                  )
                ) : (
                  <Tag>{t('market.downstreams.inactive')}</Tag>
                ),
            },
            {
              title: '',
              key: 'actions',
              render: (_, d) =>
                d.active ? (
                  <Popconfirm
                    title={t('market.downstreams.removeConfirm')}
                    onConfirm={() => remove.mutate({ id: d.id })}
                  >
                    <Button size="small" danger data-testid={`downstream-remove-${d.catalogId}`}>
                      {t('market.downstreams.remove')}
                    </Button>
                  </Popconfirm>
                ) : null,
            },
          ]}
        />
      )}
    </section>
  );
}
