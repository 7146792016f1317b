'use client';

import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Drawer,
  Form,
  Input,
  InputNumber,
  Radio,
  Select,
  Switch,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import Link from 'next/link';
import { useState } from 'react';
import { eventTypes, typeLabel } from '@/components/events/event-labels';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

type Api = ReturnType<typeof useTRPC>;
type Rule = inferOutput<Api['points']['rules']['list']>[number];
type Trigger = Rule['trigger'];
type RuleValues = {
  name: string;
  nameEn?: string;
  trigger: Trigger;
  spaceIds?: string[];
  eventTypes?: string[];
  kind: 'points' | 'time';
  amount: number;
  dailyCap?: number | null;
  enabled: boolean;
};

/**
 * 积分规则 for operators: what earns points or time-bank minutes in the community — signing in at an activity in
 * chosen spaces (volunteering pays the time bank), a resident's report carried through to closed — how much per
 * time and how often a day, with what each rule paid today.
 */
export function EarningRulesAdmin({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const rules = useQuery(trpc.points.rules.list.queryOptions({ community }));
  const spaces = useQuery(trpc.booking.allSpaces.queryOptions({ community }));
  const save = useMutation(trpc.points.rules.save.mutationOptions());
  const [editing, setEditing] = useState<Rule | 'new' | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [form] = Form.useForm<RuleValues>();
  const trigger = Form.useWatch('trigger', form);
  const spaceName = new Map((spaces.data ?? []).map((s) => [s.spaceId, s.name]));

  const open = (rule: Rule | 'new') => {
    setFormError(null);
    setEditing(rule);
    form.setFieldsValue(
      rule === 'new'
        ? {
            name: '',
            nameEn: '',
            trigger: 'booking.checked_in',
            spaceIds: [],
            eventTypes: [],
            kind: 'points',
            amount: 10,
            dailyCap: null,
            enabled: true,
          }
        : {
            name: rule.name,
            nameEn: rule.nameEn ?? '',
            trigger: rule.trigger,
            spaceIds: rule.filter.spaceIds ?? [],
            eventTypes: rule.filter.eventTypes ?? [],
            kind: rule.kind,
            amount: rule.amount,
            dailyCap: rule.dailyCap,
            enabled: rule.enabled,
          },
    );
  };
  const submit = async (v: RuleValues) => {
    setFormError(null);
    try {
      await save.mutateAsync({
        community,
        name: v.name,
        nameEn: v.nameEn || null,
        trigger: v.trigger,
        kind: v.kind,
        amount: v.amount,
        dailyCap: v.dailyCap ?? null,
        enabled: v.enabled,
        ...(v.trigger === 'booking.checked_in' ? { spaceIds: v.spaceIds ?? [] } : { eventTypes: v.eventTypes ?? [] }),
        ...(editing && editing !== 'new' ? { id: editing.id, version: editing.version } : {}),
      });
      message.success(t('points.rules.saved'));
      setEditing(null);
      await qc.invalidateQueries({ queryKey: trpc.points.rules.pathKey() });
    } catch (e) {
      setFormError(errorMessage(e, lang, t('common.unknownError')));
    }
  };

  const scopeOf = (r: Rule) => {
    if (r.trigger === 'booking.checked_in') {
      const ids = r.filter.spaceIds ?? [];
      return ids.length ? ids.map((id) => spaceName.get(id) ?? id).join('、') : t('points.rules.anySpace');
    }
    const types = r.filter.eventTypes ?? [];
    return types.length ? types.map((x) => typeLabel(t, x)).join('、') : t('points.rules.anyType');
  };
  const columns: TableColumnsType<Rule> = [
    {
      title: t('points.rules.col.name'),
      dataIndex: 'name',
      render: (v: string, r) => (lang === 'en' && r.nameEn ? r.nameEn : v),
    },
    {
      title: t('points.rules.col.when'),
      key: 'when',
      render: (_: unknown, r) => (
        <span data-testid="rule-when">
          {t(`points.rules.trigger.${r.trigger}`)}
          <Typography.Text type="secondary"> · {scopeOf(r)}</Typography.Text>
        </span>
      ),
    },
    {
      title: t('points.rules.col.award'),
      key: 'award',
      render: (_: unknown, r) =>
        r.kind === 'time'
          ? t('points.rules.award.time', { amount: r.amount })
          : t('points.rules.award.points', { amount: r.amount }),
    },
    {
      title: t('points.rules.col.cap'),
      dataIndex: 'dailyCap',
      render: (v: number | null) => (v ? t('points.rules.cap', { n: v }) : t('points.rules.noCap')),
    },
    {
      title: t('points.rules.col.paid'),
      key: 'paid',
      render: (_: unknown, r) => (
        <span data-testid="rule-paid">
          {t('points.rules.paid', { today: r.awards.today, total: r.awards.total })}
          {r.awards.capped ? (
            <Typography.Text type="secondary"> · {t('points.rules.capped', { n: r.awards.capped })}</Typography.Text>
          ) : null}
        </span>
      ),
    },
    {
      title: t('points.rules.col.enabled'),
      dataIndex: 'enabled',
      render: (on: boolean) => (
        <Tag color={on ? 'green' : 'default'}>{t(on ? 'points.rules.on' : 'points.rules.off')}</Tag>
      ),
    },
    {
      key: 'edit',
      render: (_: unknown, r) => (
        <Button size="small" onClick={() => open(r)} data-testid="rule-edit">
          {t('points.admin.edit')}
        </Button>
      ),
    },
  ];

  return (
    <Card
      title={t('points.rules.title')}
      size="small"
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => open('new')} data-testid="rule-add">
          {t('points.rules.add')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">
        {t('points.rules.explain')} <Link href="/console/rules">{t('points.rules.deviceLink')}</Link>
      </Typography.Paragraph>
      <Table<Rule>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={rules.data ?? []}
        loading={rules.isLoading}
        pagination={false}
        data-testid="earning-rules"
        onRow={(r) => ({ 'data-rule': r.name }) as React.HTMLAttributes<HTMLElement>}
      />
      <Drawer
        open={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' ? t('points.rules.add') : t('points.rules.edit')}
        size={520}
        destroyOnHidden
      >
        {formError ? (
          <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="rule-form-error" />
        ) : null}
        <Form<RuleValues> form={form} layout="vertical" onFinish={submit} data-testid="rule-form">
          <Form.Item name="name" label={t('points.rules.col.name')} rules={[{ required: true, max: 40 }]}>
            <Input data-testid="rule-name" placeholder={t('points.rules.namePlaceholder')} />
          </Form.Item>
          <Form.Item name="nameEn" label={t('points.admin.nameEn')} rules={[{ max: 60 }]}>
            <Input />
          </Form.Item>
          <Form.Item name="trigger" label={t('points.rules.col.when')} rules={[{ required: true }]}>
            <Radio.Group data-testid="rule-trigger">
              <Radio value="booking.checked_in" data-testid="rule-trigger-checkin">
                {t('points.rules.trigger.booking.checked_in')}
              </Radio>
              <Radio value="events.closed" data-testid="rule-trigger-closed">
                {t('points.rules.trigger.events.closed')}
              </Radio>
            </Radio.Group>
          </Form.Item>
          {trigger === 'events.closed' ? (
            <Form.Item name="eventTypes" label={t('points.rules.eventTypes')} extra={t('points.rules.anyTypeHint')}>
              <Select
                mode="multiple"
                allowClear
                data-testid="rule-event-types"
                options={eventTypes.map((x) => ({ value: x, label: typeLabel(t, x) }))}
              />
            </Form.Item>
          ) : (
            <Form.Item name="spaceIds" label={t('points.rules.spaces')} extra={t('points.rules.anySpaceHint')}>
              <Select
                mode="multiple"
                allowClear
                data-testid="rule-spaces"
                options={(spaces.data ?? []).map((s) => ({ value: s.spaceId, label: s.name }))}
              />
            </Form.Item>
          )}
          <Form.Item name="kind" label={t('points.rules.kind')}>
            <Radio.Group>
              <Radio value="points">{t('points.rules.kind.points')}</Radio>
              <Radio value="time" data-testid="rule-kind-time">
                {t('points.rules.kind.time')}
              </Radio>
            </Radio.Group>
          </Form.Item>
          <Form.Item name="amount" label={t('points.rules.amount')} rules={[{ required: true }]}>
            <InputNumber min={1} max={10_000} precision={0} data-testid="rule-amount" />
          </Form.Item>
          <Form.Item name="dailyCap" label={t('points.rules.dailyCap')} extra={t('points.rules.dailyCapHint')}>
            <InputNumber min={1} max={100} precision={0} data-testid="rule-cap" />
          </Form.Item>
          <Form.Item name="enabled" label={t('points.rules.col.enabled')} valuePropName="checked">
            <Switch data-testid="rule-enabled" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={save.isPending} data-testid="rule-submit">
            {t('common.save')}
          </Button>
        </Form>
      </Drawer>
    </Card>
  );
}
