'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Space, Table, type TableColumnsType, Tag, Typography } from 'antd';
import Link from 'next/link';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { AppIcon } from '../app-icon';
import { type Installed, pageHref, pick } from '../app-types';
import { PageError } from '../page-state';
import { scenarioKey } from '../scenarios';
import { SettingsDialog } from './settings-dialog';
import { UpgradeDialog } from './upgrade-dialog';

const stateColor = { enabled: 'green', disabled: 'default', uninstalled: 'red' } as const;

/** The community's installed apps: enable or disable each, uninstall (data kept 30 days), open its console pages. */
export function InstalledTable({ community }: { community: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { lang } = useLang();
  const t = useT();
  const { message, modal } = App.useApp();
  const installed = useQuery(trpc.plugins.installed.queryOptions({ community }));
  const [dialog, setDialog] = useState<{ kind: 'settings' | 'upgrade'; app: Installed } | null>(null);
  // Which apps have console pages, and where each one's home is.
  const consoleApps = useQuery(trpc.plugins.apps.queryOptions({ community, audience: 'operator' }));
  const homeOf = new Map((consoleApps.data ?? []).map((a) => [a.pluginId, a.home]));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.plugins.pathKey() });
  const onError = (error: unknown) => message.error(errorMessage(error, lang, t('common.unknownError')));
  const date = (iso: string) => new Date(iso).toLocaleDateString(lang === 'en' ? 'en-GB' : 'zh-CN');

  const setEnabled = useMutation(
    trpc.plugins.setEnabled.mutationOptions({
      onSuccess: async (_data, v) => {
        const row = installed.data?.find((i) => i.pluginId === v.pluginId);
        const name = row ? pick(row.name, lang) : v.pluginId;
        message.success(t(v.enabled ? 'apps.admin.enabled' : 'apps.admin.disabled', { name }));
        await refresh();
      },
      onError,
    }),
  );
  const uninstall = useMutation(trpc.plugins.uninstall.mutationOptions({ onError }));

  const confirmUninstall = (row: Installed) => {
    const name = pick(row.name, lang);
    modal.confirm({
      title: t('apps.admin.uninstall.title', { name }),
      content: <div data-testid="uninstall-explain">{t('apps.admin.uninstall.body')}</div>,
      okText: t('apps.admin.uninstall'),
      cancelText: t('common.cancel'),
      okButtonProps: { danger: true, 'data-testid': 'uninstall-confirm' },
      onOk: async () => {
        const res = await uninstall.mutateAsync({ community, pluginId: row.pluginId });
        message.success(t('apps.admin.uninstalled', { name, date: date(res.purgeAfter) }));
        await refresh();
      },
    });
  };

  const columns: TableColumnsType<Installed> = [
    {
      title: t('apps.admin.col.name'),
      key: 'name',
      render: (_, r) => (
        <Space>
          <AppIcon icon={r.icon} size={20} />
          <span>{pick(r.name, lang)}</span>
        </Space>
      ),
    },
    {
      title: t('apps.admin.col.scenario'),
      key: 'scenario',
      onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
      render: (_, r) => {
        const key = r.scenario ? scenarioKey(r.scenario) : null;
        return key ? t(key) : (r.scenario ?? '');
      },
    },
    { title: t('apps.admin.col.version'), dataIndex: 'version' },
    {
      title: t('apps.admin.col.state'),
      key: 'state',
      render: (_, r) => (
        <Space orientation="vertical" size={0}>
          <Tag color={stateColor[r.state]} data-testid={`app-state-${r.pluginId}`}>
            {t(`apps.admin.state.${r.state}`)}
          </Tag>
          {r.purgeAfter ? (
            <Typography.Text type="secondary">
              {t('apps.admin.purgeAfter', { date: date(r.purgeAfter) })}
            </Typography.Text>
          ) : null}
        </Space>
      ),
    },
    { title: t('apps.admin.col.installedAt'), key: 'installedAt', render: (_, r) => date(r.installedAt) },
    {
      title: t('apps.admin.col.actions'),
      key: 'actions',
      render: (_, r) => {
        if (r.state === 'uninstalled') return null;
        const home = homeOf.get(r.pluginId);
        return (
          <Space wrap>
            {r.state === 'enabled' && home ? (
              <Link href={pageHref('operator', r.pluginId, home)} data-testid={`app-open-${r.pluginId}`}>
                {t('apps.admin.open')}
              </Link>
            ) : null}
            <Button
              size="small"
              data-testid={`app-toggle-${r.pluginId}`}
              loading={setEnabled.isPending && setEnabled.variables?.pluginId === r.pluginId}
              onClick={() => setEnabled.mutate({ community, pluginId: r.pluginId, enabled: r.state !== 'enabled' })}
            >
              {t(r.state === 'enabled' ? 'apps.admin.disable' : 'apps.admin.enable')}
            </Button>
            {r.settingsSchema ? (
              <Button
                size="small"
                onClick={() => setDialog({ kind: 'settings', app: r })}
                data-testid={`app-settings-${r.pluginId}`}
              >
                {t('apps.admin.settings')}
              </Button>
            ) : null}
            {r.latestVersion !== r.version ? (
              <Button
                size="small"
                type="primary"
                ghost
                onClick={() => setDialog({ kind: 'upgrade', app: r })}
                data-testid={`app-upgrade-${r.pluginId}`}
              >
                {t('apps.admin.upgrade', { version: r.latestVersion })}
              </Button>
            ) : null}
            <Button size="small" danger onClick={() => confirmUninstall(r)} data-testid={`app-uninstall-${r.pluginId}`}>
              {t('apps.admin.uninstall')}
            </Button>
          </Space>
        );
      },
    },
  ];

  if (installed.error) return <PageError error={installed.error} onRetry={() => installed.refetch()} />;
  return (
    <div data-testid="installed-table">
      <Table<Installed>
        rowKey="pluginId"
        columns={columns}
        dataSource={installed.data ?? []}
        loading={installed.isLoading}
        pagination={false}
        locale={{ emptyText: t('apps.admin.noInstalled') }}
      />
      {dialog?.kind === 'settings' ? (
        <SettingsDialog community={community} app={dialog.app} onClose={() => setDialog(null)} />
      ) : null}
      {dialog?.kind === 'upgrade' ? (
        <UpgradeDialog community={community} app={dialog.app} onClose={() => setDialog(null)} />
      ) : null}
    </div>
  );
}
