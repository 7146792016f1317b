'use client';

import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Card, Checkbox, Form, InputNumber, Select, Typography } from 'antd';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import type { RolloutOverview } from './rollout-types';
import { useMarketAction } from './use-market-action';

interface Values {
  toVersion: string;
  pilots: string[];
  threshold: number;
  minCalls: number;
  grantNew?: string[];
}

/** Starts a staged upgrade: target version, pilot communities, threshold; new permissions are granted explicitly. */
export function RolloutStart({ pluginId, overview }: { pluginId: string; overview: RolloutOverview }) {
  const trpc = useTRPC();
  const t = useT();
  const action = useMarketAction();
  const [form] = Form.useForm<Values>();
  const chosen = Form.useWatch('toVersion', form);
  const start = useMutation(
    trpc.market.rollouts.start.mutationOptions({
      onSuccess: () => action.onSuccess(t('rollout.started')),
      onError: action.onError,
    }),
  );
  const candidates = overview.candidates;
  const escalation = candidates.find((c) => c.version === (chosen ?? candidates[0]?.version))?.escalation ?? [];
  return (
    <Card title={t('rollout.start.title')} size="small" data-testid="rollout-start-form">
      <Typography.Paragraph type="secondary">{t('rollout.start.intro')}</Typography.Paragraph>
      {candidates.length === 0 ? (
        <Alert type="info" message={t('rollout.start.none')} />
      ) : (
        <Form<Values>
          form={form}
          layout="vertical"
          initialValues={{ toVersion: candidates[0].version, threshold: 5, minCalls: 20, pilots: [] }}
          onFinish={(v) =>
            start.mutate({
              pluginId,
              toVersion: v.toVersion,
              pilots: v.pilots,
              threshold: v.threshold / 100,
              minCalls: v.minCalls,
              grantNew: escalation.length ? (v.grantNew ?? []) : undefined,
            })
          }
        >
          <Form.Item name="toVersion" label={t('rollout.start.version')} rules={[{ required: true }]}>
            <Select
              data-testid="rollout-to-version"
              options={candidates.map((c) => ({ value: c.version, label: c.version }))}
            />
          </Form.Item>
          <Form.Item
            name="pilots"
            label={t('rollout.start.pilots')}
            rules={[{ required: true, type: 'array', min: 1 }]}
          >
            <Select
              mode="multiple"
              data-testid="rollout-pilots"
              options={overview.communities
                .filter((c) => !c.pinnedVersion)
                .map((c) => ({ value: c.code, label: `${c.name} (${c.code}) · ${c.version}` }))}
            />
          </Form.Item>
          <Form.Item name="threshold" label={t('rollout.start.threshold')} rules={[{ required: true }]}>
            <InputNumber data-testid="rollout-threshold" min={0.1} max={100} step={1} />
          </Form.Item>
          <Form.Item name="minCalls" label={t('rollout.start.minCalls')} rules={[{ required: true }]}>
            <InputNumber data-testid="rollout-min-calls" min={1} max={1_000_000} precision={0} />
          </Form.Item>
          {escalation.length ? (
            <Form.Item name="grantNew" label={t('rollout.start.grants')}>
              <Checkbox.Group options={escalation.map((p) => ({ value: p, label: p }))} />
            </Form.Item>
          ) : null}
          <Button type="primary" htmlType="submit" data-testid="rollout-start" loading={start.isPending}>
            {t('rollout.start.submit')}
          </Button>
        </Form>
      )}
    </Card>
  );
}
