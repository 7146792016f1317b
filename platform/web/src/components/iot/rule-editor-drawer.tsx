'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Drawer, Form, Input, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { appErrorData, errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import type { RuleRow } from './use-iot';

/** A new rule starts from this: a smoke alarm in a building raises a critical platform alarm. */
const template = (productKey: string) => ({
  name: '烟感告警',
  description: '',
  trigger: { kind: 'event', productKey, identifier: 'smokeAlarm' },
  condition: 'params.smokeDensity >= 0.1',
  debounceSeconds: 60,
  actions: [{ kind: 'alarm', severity: 'critical', title: '{deviceName} 烟雾报警' }],
});
const sampleFor = (rule: { trigger?: { kind?: string; productKey?: string; identifier?: string } }) => ({
  kind: rule.trigger?.kind ?? 'event',
  productKey: rule.trigger?.productKey ?? '',
  deviceName: 'device-01',
  event: rule.trigger?.kind === 'event' ? rule.trigger?.identifier : undefined,
  params: {},
  tags: {},
});
const pretty = (v: unknown) => JSON.stringify(v, null, 2);

type Outcome = { type: 'success' | 'info' | 'error'; title: string; detail?: string };

/** Writes a rule as JSON (the rule schema is the contract), tries it on a sample, then saves it. */
export function RuleEditorDrawer({
  community,
  rule,
  onClose,
  onSaved,
}: {
  community: string;
  rule: RuleRow | 'new' | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const trpc = useTRPC();
  const products = useQuery({ ...trpc.iot.products.list.queryOptions({ community }), enabled: rule !== null });
  const create = useMutation(trpc.iot.rules.create.mutationOptions());
  const update = useMutation(trpc.iot.rules.update.mutationOptions());
  const dryRun = useMutation(trpc.iot.rules.dryRun.mutationOptions());
  const [text, setText] = useState('');
  const [sample, setSample] = useState('');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [opened, setOpened] = useState<RuleRow | 'new' | null>(null);

  if (rule !== opened) {
    // A different rule (or a new one) was opened: start from it.
    setOpened(rule);
    setOutcome(null);
    if (rule && rule !== 'new') {
      const { id: _i, communityId: _c, version: _v, updatedAt: _u, ...definition } = rule;
      setText(pretty(definition));
      setSample(pretty(sampleFor(definition)));
    } else if (rule === 'new') {
      const first = products.data?.[0]?.productKey ?? 'productkey';
      setText(pretty(template(first)));
      setSample(pretty(sampleFor(template(first))));
    }
  }

  const parse = (s: string): Record<string, unknown> | null => {
    try {
      return JSON.parse(s);
    } catch (e) {
      setOutcome({ type: 'error', title: t('rules.editor.invalid', { reason: (e as Error).message }) });
      return null;
    }
  };
  const fail = (e: unknown) => {
    const fields = appErrorData(e)?.fieldErrors;
    setOutcome({
      type: 'error',
      title: errorMessage(e, lang, t('common.unknownError')),
      detail: fields
        ? Object.entries(fields)
            .map(([k, m]) => `${k}: ${m.join('; ')}`)
            .join('\n')
        : undefined,
    });
  };
  const fillProduct = (productKey: string) => {
    const r = parse(text);
    if (!r) return;
    const trigger = { ...((r.trigger as Record<string, unknown>) ?? {}), productKey };
    setText(pretty({ ...r, trigger }));
    const s = parse(sample);
    if (s) setSample(pretty({ ...s, productKey }));
  };
  const tryIt = async () => {
    const r = parse(text);
    const s = r && parse(sample);
    if (!r || !s) return;
    setOutcome(null);
    try {
      const v = await dryRun.mutateAsync({ community, rule: r, sample: s as never });
      setOutcome(
        v.wouldFire
          ? { type: 'success', title: t('rules.dry.fire', { count: v.actions.length }), detail: pretty(v.actions) }
          : { type: 'info', title: t('rules.dry.noFire', { outcome: String(v.outcome) }) },
      );
    } catch (e) {
      fail(e);
    }
  };
  const save = async () => {
    const r = parse(text);
    if (!r) return;
    setOutcome(null);
    try {
      if (rule && rule !== 'new') await update.mutateAsync({ id: rule.id, rule: r as never });
      else await create.mutateAsync({ community, rule: r as never });
      message.success(t('rules.saved'));
      onSaved();
    } catch (e) {
      fail(e);
    }
  };

  return (
    <Drawer
      open={rule !== null}
      onClose={onClose}
      size={720}
      title={rule === 'new' ? t('rules.add') : t('rules.edit')}
      destroyOnHidden
    >
      <Form layout="vertical">
        {outcome ? (
          <Alert
            type={outcome.type}
            showIcon
            title={outcome.title}
            description={
              outcome.detail ? (
                <Typography.Paragraph code style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }}>
                  {outcome.detail}
                </Typography.Paragraph>
              ) : undefined
            }
            style={{ marginBottom: 16 }}
            data-testid="rule-outcome"
          />
        ) : null}
        <Form.Item label={t('rules.editor.product')}>
          <Select
            onChange={fillProduct}
            style={{ maxWidth: 360 }}
            data-testid="rule-product"
            options={(products.data ?? []).map((p) => ({ value: p.productKey, label: `${p.name}（${p.productKey}）` }))}
          />
        </Form.Item>
        <Form.Item label={t('rules.editor.title')} extra={t('rules.editor.hint')}>
          <Input.TextArea
            rows={16}
            value={text}
            onChange={(e) => setText(e.target.value)}
            spellCheck={false}
            style={{ fontFamily: 'monospace', fontSize: 12 }}
            data-testid="rule-json"
          />
        </Form.Item>
        <Form.Item label={t('rules.editor.sample')}>
          <Input.TextArea
            rows={8}
            value={sample}
            onChange={(e) => setSample(e.target.value)}
            spellCheck={false}
            style={{ fontFamily: 'monospace', fontSize: 12 }}
            data-testid="rule-sample"
          />
        </Form.Item>
        <Space>
          <Button onClick={tryIt} loading={dryRun.isPending} data-testid="rule-dry-run">
            {t('rules.editor.dryRun')}
          </Button>
          <Button type="primary" onClick={save} loading={create.isPending || update.isPending} data-testid="rule-save">
            {t('common.save')}
          </Button>
        </Space>
      </Form>
    </Drawer>
  );
}
