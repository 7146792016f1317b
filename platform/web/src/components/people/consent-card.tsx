'use client';

import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { Alert, App, Button, Card, Popconfirm, Space, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { type HTMLAttributes, useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { ConsentGrantDialog } from './consent-grant-dialog';
import { categoryLabel, channelLabel, purposeLabel } from './consent-labels';

type Row = inferOutput<ReturnType<typeof useTRPC>['base']['consents']['list']>[number];

const rowProps = () => ({ 'data-testid': 'consent-row' }) as HTMLAttributes<HTMLElement>;

/** The person's consent ledger: every grant stays on record; withdrawing marks it with when it ended. */
export function ConsentCard({ community, personId }: { community: string; personId: string }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const [granting, setGranting] = useState(false);
  const options = useQuery(trpc.base.consents.options.queryOptions());
  const listOptions = trpc.base.consents.list.queryOptions({ community, personId });
  const list = useQuery(listOptions);
  const refresh = () => queryClient.invalidateQueries({ queryKey: listOptions.queryKey });
  const withdraw = useMutation(
    trpc.base.consents.withdraw.mutationOptions({
      onSuccess: async () => {
        message.success(t('consent.withdrawn'));
        await refresh();
      },
      onError: (error) => {
        message.error(errorMessage(error, lang, t('common.unknownError')));
      },
    }),
  );
  const o = options.data;
  const when = (iso: string) => new Date(iso).toLocaleString(lang);

  const columns: TableColumnsType<Row> = [
    {
      title: t('consent.col.purpose'),
      dataIndex: 'purpose',
      render: (v: string, r) => purposeLabel(o, v, lang, r.purposeZh),
    },
    {
      title: t('consent.col.categories'),
      dataIndex: 'categories',
      render: (v: string[]) => v.map((c) => <Tag key={c}>{categoryLabel(o, c, t)}</Tag>),
    },
    { title: t('consent.col.channel'), dataIndex: 'channel', render: (v: string) => channelLabel(v, t) },
    { title: t('consent.col.grantedAt'), dataIndex: 'grantedAt', render: when },
    {
      title: t('consent.col.status'),
      dataIndex: 'active',
      render: (_: boolean, r) => (
        <span data-testid="consent-status">
          {r.active ? (
            <Tag color="green">{t('consent.status.active')}</Tag>
          ) : (
            <>
              <Tag>{t('consent.status.withdrawn')}</Tag>
              {r.withdrawnAt ? (
                <Typography.Text type="secondary" data-testid="consent-withdrawn-at">
                  {when(r.withdrawnAt)}
                </Typography.Text>
              ) : null}
            </>
          )}
        </span>
      ),
    },
    {
      title: t('consent.col.actions'),
      key: 'actions',
      render: (_, r) =>
        r.active ? (
          <Popconfirm
            title={t('consent.withdraw.confirm')}
            okText={t('consent.withdraw')}
            cancelText={t('common.cancel')}
            okButtonProps={{ 'data-testid': 'consent-withdraw-confirm' } as Record<string, string>}
            onConfirm={() => withdraw.mutateAsync({ community, id: r.id, channel: 'console' }).catch(() => {})}
          >
            <Button size="small" danger data-testid="consent-withdraw" loading={withdraw.isPending}>
              {t('consent.withdraw')}
            </Button>
          </Popconfirm>
        ) : null,
    },
  ];

  return (
    <Card
      title={t('consent.title')}
      extra={
        <Button icon={<PlusOutlined />} onClick={() => setGranting(true)} data-testid="consent-grant">
          {t('consent.grant')}
        </Button>
      }
    >
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        {list.error ? (
          <Alert type="error" showIcon title={errorMessage(list.error, lang, t('common.networkError'))} />
        ) : null}
        <div data-testid="consent-table">
          <Table<Row>
            rowKey="id"
            size="small"
            columns={columns}
            dataSource={list.data ?? []}
            loading={list.isLoading}
            onRow={rowProps}
            pagination={false}
            locale={{ emptyText: t('consent.empty') }}
          />
        </div>
      </Space>
      <ConsentGrantDialog
        community={community}
        personId={personId}
        options={o}
        open={granting}
        onClose={() => setGranting(false)}
        onGranted={() => void refresh()}
      />
    </Card>
  );
}
