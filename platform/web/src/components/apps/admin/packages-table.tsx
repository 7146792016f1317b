'use client';

import { useQuery } from '@tanstack/react-query';
import { Button, Space, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { AppIcon } from '../app-icon';
import { type PackageInfo, pick } from '../app-types';
import { PageError } from '../page-state';
import { scenarioKey } from '../scenarios';
import { InstallDialog } from './install-dialog';

/** The packages this platform holds, each installable here unless it already is. */
export function PackagesTable({ community }: { community: string }) {
  const trpc = useTRPC();
  const { lang } = useLang();
  const t = useT();
  const packages = useQuery(trpc.plugins.packages.queryOptions());
  const installed = useQuery(trpc.plugins.installed.queryOptions({ community }));
  const [installing, setInstalling] = useState<PackageInfo | null>(null);
  const present = new Set((installed.data ?? []).filter((i) => i.state !== 'uninstalled').map((i) => i.pluginId));

  const columns: TableColumnsType<PackageInfo> = [
    {
      title: t('apps.admin.col.name'),
      key: 'name',
      render: (_, p) => (
        <Space align="start">
          <AppIcon icon={p.manifest.icon} size={20} />
          <div>
            <div>{pick(p.manifest.name, lang)}</div>
            <Typography.Text type="secondary">{pick(p.manifest.description, lang)}</Typography.Text>
          </div>
        </Space>
      ),
    },
    {
      title: t('apps.admin.col.scenario'),
      key: 'scenario',
      onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
      render: (_, p) => {
        const key = scenarioKey(p.manifest.scenario);
        return key ? t(key) : p.manifest.scenario;
      },
    },
    { title: t('apps.admin.col.version'), dataIndex: 'version' },
    {
      title: t('apps.admin.col.permissions'),
      key: 'permissions',
      render: (_, p) => p.permissionList.map((x) => <Tag key={`${x.kind}:${x.id}`}>{pick(x.title, lang)}</Tag>),
    },
    {
      title: t('apps.admin.col.actions'),
      key: 'actions',
      render: (_, p) =>
        present.has(p.pluginId) ? (
          <Typography.Text type="secondary">{t('apps.admin.installed.already')}</Typography.Text>
        ) : (
          <Button type="primary" size="small" onClick={() => setInstalling(p)} data-testid={`install-${p.pluginId}`}>
            {t('apps.admin.install')}
          </Button>
        ),
    },
  ];

  if (packages.error) return <PageError error={packages.error} onRetry={() => packages.refetch()} />;
  return (
    <div data-testid="packages-table">
      <Table<PackageInfo>
        rowKey="pluginId"
        columns={columns}
        dataSource={packages.data ?? []}
        loading={packages.isLoading}
        pagination={false}
        locale={{ emptyText: t('apps.admin.noPackages') }}
      />
      {installing ? <InstallDialog community={community} pkg={installing} onClose={() => setInstalling(null)} /> : null}
    </div>
  );
}
