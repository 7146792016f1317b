'use client';

import { useMutation } from '@tanstack/react-query';
import { Button, Card, List, Popconfirm, Space, Table, type TableColumnsType, Tag, Typography } from 'antd';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { pick } from '../apps/app-types';
import { percent, type RolloutCommunity, type RolloutView } from './rollout-types';
import { useMarketAction } from './use-market-action';

const stateColor: Record<string, string> = {
  pending: 'default',
  upgraded: 'green',
  failed: 'red',
  skipped: 'default',
  rolled_back: 'orange',
  left: 'gold',
};

/** The active rollout: stage, threshold, each community's progress and the new version's error rate; the actions. */
export function RolloutStatus({ rollout: r }: { rollout: RolloutView }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const action = useMarketAction();
  const opts = (done?: MessageKey) => ({
    onSuccess: () => action.onSuccess(done ? t(done) : undefined),
    onError: action.onError,
  });
  const promote = useMutation(trpc.market.rollouts.promote.mutationOptions(opts('rollout.promoted')));
  const complete = useMutation(trpc.market.rollouts.complete.mutationOptions(opts()));
  const abort = useMutation(trpc.market.rollouts.abort.mutationOptions(opts()));
  const columns: TableColumnsType<RolloutCommunity> = [
    { title: t('rollout.col.community'), key: 'c', render: (_, c) => `${c.name} (${c.code})` },
    {
      title: t('rollout.col.group'),
      key: 'g',
      render: (_, c) => (c.pilot ? <Tag color="geekblue">{t('rollout.pilot')}</Tag> : t('rollout.rest')),
    },
    {
      title: t('rollout.col.state'),
      key: 's',
      render: (_, c) => (
        <Space direction="vertical" size={0}>
          <Tag color={stateColor[c.state]} data-testid={`rollout-state-${c.code}`}>
            {t(`rollout.cstate.${c.state}` as MessageKey)}
          </Tag>
          {c.note ? <Typography.Text type="secondary">{pick(c.note, lang)}</Typography.Text> : null}
        </Space>
      ),
    },
    { title: t('rollout.col.version'), key: 'v', render: (_, c) => c.version ?? '—' },
    { title: t('rollout.col.calls'), dataIndex: 'calls' },
    { title: t('rollout.col.errors'), dataIndex: 'errors' },
    { title: t('rollout.col.errorRate'), key: 'e', render: (_, c) => (c.calls ? percent(c.errorRate) : '—') },
  ];
  return (
    <Card
      data-testid="rollout-active"
      title={
        <Space>
          {t('rollout.active', { from: r.fromVersion, to: r.toVersion })}
          <Tag color={r.stage === 'pilot' ? 'geekblue' : 'green'} data-testid="rollout-stage">
            {t(r.stage === 'pilot' ? 'rollout.stage.pilot' : 'rollout.stage.full')}
          </Tag>
        </Space>
      }
      extra={
        <Space>
          {r.stage === 'pilot' ? (
            <Button
              type="primary"
              data-testid="rollout-promote"
              loading={promote.isPending}
              onClick={() => promote.mutate({ id: r.id })}
            >
              {t('rollout.promote')}
            </Button>
          ) : (
            <Button
              data-testid="rollout-complete"
              loading={complete.isPending}
              onClick={() => complete.mutate({ id: r.id })}
            >
              {t('rollout.complete')}
            </Button>
          )}
          <Popconfirm title={t('rollout.abort.confirm')} onConfirm={() => abort.mutateAsync({ id: r.id })}>
            <Button danger data-testid="rollout-abort" loading={abort.isPending}>
              {t('rollout.abort')}
            </Button>
          </Popconfirm>
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">
        {t('rollout.threshold', { threshold: Math.round(r.threshold * 1000) / 10, minCalls: r.minCalls })}
      </Typography.Paragraph>
      <Table<RolloutCommunity>
        data-testid="rollout-active-communities"
        rowKey="code"
        size="small"
        columns={columns}
        dataSource={r.communities}
        pagination={false}
      />
    </Card>
  );
}

/** Ended rollouts, newest first, with why they ended. */
export function RolloutHistory({ rollouts }: { rollouts: RolloutView[] }) {
  const t = useT();
  const { lang } = useLang();
  return (
    <Card title={t('rollout.history')} size="small">
      <List
        data-testid="rollout-history"
        dataSource={rollouts}
        locale={{ emptyText: t('rollout.history.empty') }}
        renderItem={(r) => (
          <List.Item>
            <Space direction="vertical" size={0}>
              <Space>
                <span>
                  {r.fromVersion} → {r.toVersion}
                </span>
                <Tag data-testid={`rollout-status-${r.id}`}>{t(`rollout.status.${r.status}` as MessageKey)}</Tag>
                <Typography.Text type="secondary">{new Date(r.startedAt).toLocaleString(lang)}</Typography.Text>
              </Space>
              {r.reason ? (
                <Typography.Text type="secondary">
                  {t('rollout.reason', { reason: pick(r.reason, lang) })}
                </Typography.Text>
              ) : null}
            </Space>
          </List.Item>
        )}
      />
    </Card>
  );
}
