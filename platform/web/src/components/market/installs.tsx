'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { App, Button, Dropdown, Space, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useLang, useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { pick } from '../apps/app-types';
import { PageError } from '../apps/page-state';
import type { MarketInstall } from './market-types';
import { useMarketAction } from './use-market-action';

/** A community's apps: enable/disable (启停), upgrade from the shelf, roll back, pin, uninstall. */
export function MarketInstalls({ community }: { community: string }) {
  const trpc = useTRPC();
  const { lang } = useLang();
  const t = useT();
  const { modal } = App.useApp();
  const action = useMarketAction();
  const opts = { onSuccess: () => action.onSuccess(), onError: action.onError };
  const installs = useQuery(trpc.market.installs.queryOptions({ community }));
  const setEnabled = useMutation(trpc.market.setEnabled.mutationOptions(opts));
  const upgrade = useMutation(trpc.market.upgrade.mutationOptions(opts));
  const rollback = useMutation(trpc.market.rollback.mutationOptions(opts));
  const pin = useMutation(trpc.market.pin.mutationOptions(opts));
  const uninstall = useMutation(trpc.market.uninstall.mutationOptions(opts));

  const columns: TableColumnsType<MarketInstall> = [
    {
      title: t('market.col.app'),
      key: 'app',
      render: (_, i) => (
        <div>
          <div>{pick(i.name, lang)}</div>
          <Typography.Text type="secondary">{i.pluginId}</Typography.Text>
        </div>
      ),
    },
    {
      title: t('market.col.version'),
      key: 'version',
      render: (_, i) => (
        <Space direction="vertical" size={0}>
          <span>{i.version}</span>
          {i.pinnedVersion ? <Tag color="purple">{t('market.pinned', { version: i.pinnedVersion })}</Tag> : null}
        </Space>
      ),
    },
    {
      title: t('market.col.state'),
      key: 'state',
      render: (_, i) => (
        <Tag color={i.state === 'enabled' ? 'green' : 'default'} data-testid={`market-state-${i.pluginId}`}>
          {t(i.state === 'enabled' ? 'market.state.enabled' : 'market.state.disabled')}
        </Tag>
      ),
    },
    {
      title: t('market.col.actions'),
      key: 'actions',
      render: (_, i) => {
        const target = { community, pluginId: i.pluginId };
        return (
          <Space wrap>
            <Button
              size="small"
              data-testid={`market-toggle-${i.pluginId}`}
              onClick={() => setEnabled.mutate({ ...target, enabled: i.state !== 'enabled' })}
            >
              {t(i.state === 'enabled' ? 'market.disable' : 'market.enable')}
            </Button>
            {i.upgradeTo.length && !i.pinnedVersion ? (
              <Button
                size="small"
                type="primary"
                onClick={() => upgrade.mutate({ ...target, version: i.upgradeTo[0] })}
              >
                {t('market.upgrade', { version: i.upgradeTo[0] })}
              </Button>
            ) : null}
            {i.rollbackTo.length ? (
              <Dropdown
                menu={{
                  items: i.rollbackTo.map((v) => ({ key: v, label: t('market.rollback.to', { version: v }) })),
                  onClick: ({ key }) => rollback.mutate({ ...target, version: key }),
                }}
              >
                <Button size="small">{t('market.rollback')}</Button>
              </Dropdown>
            ) : null}
            <Button size="small" onClick={() => pin.mutate({ ...target, version: i.pinnedVersion ? null : i.version })}>
              {t(i.pinnedVersion ? 'market.unpin' : 'market.pin')}
            </Button>
            <Button
              size="small"
              danger
              onClick={() =>
                modal.confirm({ title: t('market.uninstall.confirm'), onOk: () => uninstall.mutateAsync(target) })
              }
            >
              {t('market.uninstall')}
            </Button>
          </Space>
        );
      },
    },
  ];
  if (installs.error) return <PageError error={installs.error} onRetry={() => installs.refetch()} />;
  return (
    <Table<MarketInstall>
      data-testid="market-installs"
      rowKey="pluginId"
      columns={columns}
      dataSource={installs.data ?? []}
      loading={installs.isLoading}
      pagination={false}
      locale={{ emptyText: t('market.installs.empty') }}
    />
  );
}
