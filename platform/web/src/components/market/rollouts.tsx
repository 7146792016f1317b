'use client';

import { useQuery } from '@tanstack/react-query';
import { Empty, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { pick } from '../apps/app-types';
import { PageError } from '../apps/page-state';
import { RolloutPanel } from './rollout-panel';

/** Staged upgrades for operators: choose an app installed in their communities, then manage its versions. */
export function Rollouts() {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const apps = useQuery(trpc.market.rollouts.apps.queryOptions());
  const [chosen, setChosen] = useState<string>();
  if (apps.error) return <PageError error={apps.error} onRetry={() => apps.refetch()} />;
  if (apps.data && apps.data.length === 0) return <Empty description={t('rollout.app.none')} />;
  const pluginId = chosen ?? apps.data?.[0]?.pluginId;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space>
        <Typography.Text>{t('rollout.app')}</Typography.Text>
        <Select
          data-testid="rollout-app"
          style={{ minWidth: 320 }}
          loading={apps.isLoading}
          value={pluginId}
          onChange={setChosen}
          options={(apps.data ?? []).map((a) => ({
            value: a.pluginId,
            label: `${pick(a.name, lang)} (${a.pluginId})`,
          }))}
        />
      </Space>
      {pluginId ? <RolloutPanel pluginId={pluginId} /> : null}
    </Space>
  );
}
