'use client';

import { useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query';
import {
  App,
  Button,
  Card,
  Form,
  Input,
  InputNumber,
  Select,
  Space,
  Statistic,
  Table,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

const time = (iso: string | null) =>
  iso
    ? new Intl.DateTimeFormat('zh-CN', {
        timeZone: 'Asia/Shanghai',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      }).format(new Date(iso))
    : '—';
const yuan = (fen: number | null) => (fen === null ? '—' : `¥${(fen / 100).toFixed(2)}`);
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

function Stats({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const s = useQuery(trpc.access.stats.queryOptions({ community, day: today() }));
  if (!s.data) return null;
  return (
    <Space size="large" wrap style={{ marginBottom: 16 }} data-testid="access-stats">
      <Statistic title={t('access.stats.in')} value={s.data.totals.in} />
      <Statistic title={t('access.stats.out')} value={s.data.totals.out} />
      <Statistic title={t('access.stats.visitors')} value={s.data.totals.visitors} />
      <Statistic title={t('access.stats.inside')} value={s.data.vehiclesInside} />
      {/* People counted where there is no gate (public spaces, units): shown once a people counter has reported. */}
      {s.data.flow.areas.length > 0 ? (
        <>
          <Statistic
            data-testid="access-stats-counted-in"
            title={t('access.stats.countedIn')}
            value={s.data.flow.counted.in}
          />
          <Statistic title={t('access.stats.countedOut')} value={s.data.flow.counted.out} />
        </>
      ) : null}
      {s.data.health.measured > 0 ? (
        <>
          <Statistic title={t('access.stats.measured')} value={s.data.health.measured} />
          {/* 防疫信息: a fever count of a group too small is withheld from readers without the health permission. */}
          <Statistic
            data-testid="access-stats-fever"
            title={t('access.stats.fever')}
            value={s.data.health.fever ?? '—'}
            suffix={
              s.data.health.withheld ? (
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('access.stats.withheld', { n: s.data.health.minGroup ?? 0 })}
                </Typography.Text>
              ) : null
            }
          />
        </>
      ) : null}
    </Space>
  );
}

/** The temperature reading of a pass (only on a health reader's pages), or null when none was measured. */
function reading(r: object): { temperature: number; fever: boolean } | null {
  const h = r as { temperature?: number | null; fever?: boolean | null };
  return typeof h.temperature === 'number' ? { temperature: h.temperature, fever: h.fever === true } : null;
}

function Passes({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const q = useInfiniteQuery(
    trpc.access.passes.infiniteQueryOptions(
      { community, limit: 50 },
      { getNextPageParam: (p) => p.nextCursor ?? undefined, initialCursor: undefined },
    ),
  );
  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];
  // Temperatures (L3 health data) come only to readers with the health permission; others get no column at all.
  const health = q.data?.pages.some((p) => !p.healthWithheld) ?? false;
  return (
    <>
      <Table
        data-testid="access-passes"
        rowKey="id"
        size="middle"
        loading={q.isPending}
        pagination={false}
        dataSource={rows}
        onRow={(r) => ({ 'data-testid': 'pass-row', 'data-admitted': String(r.admitted) }) as object}
        columns={[
          { title: t('access.col.time'), dataIndex: 'passedAt', render: time },
          { title: t('access.col.gate'), dataIndex: 'deviceName' },
          { title: t('access.col.gateLocation'), dataIndex: 'gateLocation', render: (v: string | null) => v ?? '—' },
          {
            title: t('access.col.direction'),
            dataIndex: 'direction',
            render: (d) => t(`access.direction.${d}` as MessageKey),
          },
          {
            title: t('access.col.subject'),
            render: (_, r) =>
              `${t(`access.subject.${r.subjectKind}` as MessageKey)}${r.visitorName ? ` · ${r.visitorName}` : ''}${r.plate ? ` · ${r.plate}` : ''}`,
          },
          { title: t('access.col.method'), dataIndex: 'method', render: (m) => t(`access.method.${m}` as MessageKey) },
          ...(health
            ? [
                {
                  title: t('access.col.temperature'),
                  key: 'temperature',
                  render: (_: unknown, r: object) => {
                    const h = reading(r);
                    return h ? (
                      <span data-testid="pass-temperature">
                        {h.temperature.toFixed(1)} °C {h.fever ? <Tag color="red">{t('access.fever')}</Tag> : null}
                      </span>
                    ) : (
                      '—'
                    );
                  },
                },
              ]
            : []),
          {
            title: t('access.col.result'),
            render: (_, r) =>
              r.admitted ? (
                <Tag color="green">{t('access.result.admitted')}</Tag>
              ) : (
                <span>
                  <Tag color="red">{t('access.result.refused')}</Tag>
                  {r.refusal}
                </span>
              ),
          },
        ]}
      />
      {q.hasNextPage ? (
        <Button style={{ marginTop: 12 }} onClick={() => q.fetchNextPage()} loading={q.isFetchingNextPage}>
          {t('access.more')}
        </Button>
      ) : null}
    </>
  );
}

function Sessions({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const q = useQuery(trpc.access.parkingSessions.queryOptions({ community }));
  const onError = (e: unknown) => message.error(errorMessage(e, lang, t('common.networkError')));
  const collect = useMutation(
    trpc.access.collectParkingFee.mutationOptions({
      onSuccess: () => {
        message.success(t('access.order.collected'));
        q.refetch();
      },
      onError,
    }),
  );
  const waive = useMutation(
    trpc.access.waiveParkingFee.mutationOptions({
      onSuccess: () => {
        message.success(t('access.order.waived'));
        q.refetch();
      },
      onError,
    }),
  );
  return (
    <Table
      data-testid="access-sessions"
      rowKey="id"
      loading={q.isPending}
      dataSource={q.data ?? []}
      columns={[
        { title: t('access.col.plate'), dataIndex: 'plate' },
        { title: t('access.col.entered'), dataIndex: 'enteredAt', render: time },
        { title: t('access.col.exited'), dataIndex: 'exitedAt', render: time },
        {
          title: t('access.col.duration'),
          dataIndex: 'parkingMinutes',
          render: (m: number | null) => (m === null ? '' : String(m)),
        },
        { title: t('access.col.fee'), dataIndex: 'feeFen', render: yuan },
        {
          title: t('access.col.payment'),
          dataIndex: 'paymentStatus',
          render: (s) => <Tag>{t(`access.payment.${s}` as MessageKey)}</Tag>,
        },
        {
          title: t('access.col.order'),
          key: 'order',
          render: (_, s) =>
            s.order ? (
              <Space size={4} wrap data-testid={`parking-order-${s.plate}`}>
                <Tag color={s.order.status === 'paid' ? 'green' : s.order.status === 'open' ? 'orange' : undefined}>
                  {t(`payment.status.${s.order.status}` as MessageKey)}
                </Tag>
                <Typography.Text type="secondary">
                  {t(s.order.residentPays ? 'access.order.resident' : 'access.order.operator')}
                </Typography.Text>
              </Space>
            ) : (
              '—'
            ),
        },
        {
          title: t('access.col.actions'),
          key: 'actions',
          render: (_, s) =>
            s.paymentStatus === 'pending' ? (
              <Space size={4}>
                <Button
                  size="small"
                  type="primary"
                  data-testid={`parking-collect-${s.plate}`}
                  loading={collect.isPending && collect.variables?.id === s.id}
                  onClick={() => collect.mutate({ community, id: s.id })}
                >
                  {t('access.order.collect')}
                </Button>
                <Button
                  size="small"
                  data-testid={`parking-waive-${s.plate}`}
                  loading={waive.isPending && waive.variables?.id === s.id}
                  onClick={() => waive.mutate({ community, id: s.id })}
                >
                  {t('access.order.waive')}
                </Button>
              </Space>
            ) : null,
        },
      ]}
    />
  );
}

function Spaces({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ code: string; kind: 'owned' | 'rented' | 'public'; location?: string }>();
  const q = useQuery(trpc.access.parkingSpaces.queryOptions({ community }));
  const onError = (e: unknown) => message.error(errorMessage(e, lang, t('common.networkError')));
  const save = useMutation(
    trpc.access.saveParkingSpace.mutationOptions({
      onSuccess: () => {
        message.success(t('access.space.saved'));
        form.resetFields();
        void q.refetch();
      },
      onError,
    }),
  );
  const del = useMutation(trpc.access.deleteParkingSpace.mutationOptions({ onSuccess: () => q.refetch(), onError }));
  return (
    <>
      <Form form={form} layout="inline" onFinish={(v) => save.mutate({ community, ...v })} style={{ marginBottom: 16 }}>
        <Form.Item name="code" rules={[{ required: true }]}>
          <Input placeholder={t('access.col.code')} maxLength={32} />
        </Form.Item>
        <Form.Item name="kind" initialValue="public">
          <Select
            style={{ width: 140 }}
            options={(['owned', 'rented', 'public'] as const).map((k) => ({ value: k, label: t(`access.space.${k}`) }))}
          />
        </Form.Item>
        <Form.Item name="location">
          <Input placeholder={t('access.col.location')} maxLength={100} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          {t('access.space.add')}
        </Button>
      </Form>
      <Table
        rowKey="id"
        loading={q.isPending}
        dataSource={q.data ?? []}
        columns={[
          { title: t('access.col.code'), dataIndex: 'code' },
          { title: t('access.col.kind'), dataIndex: 'kind', render: (k) => t(`access.space.${k}` as MessageKey) },
          { title: t('access.col.location'), dataIndex: 'location' },
          {
            title: '',
            render: (_, r) => (
              <Button danger size="small" onClick={() => del.mutate({ community, id: r.id })}>
                {t('access.space.delete')}
              </Button>
            ),
          },
        ]}
      />
    </>
  );
}

function FeeRule({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const q = useQuery(trpc.access.feeRule.queryOptions({ community }));
  const save = useMutation(
    trpc.access.saveFeeRule.mutationOptions({
      onSuccess: () => {
        message.success(t('access.fee.saved'));
        void q.refetch();
      },
      onError: (e) => message.error(errorMessage(e, lang, t('common.networkError'))),
    }),
  );
  if (!q.data) return null;
  const r = q.data;
  return (
    <Card style={{ maxWidth: 480 }}>
      <Typography.Paragraph type="secondary">{t('access.fee.hint')}</Typography.Paragraph>
      <Form
        layout="vertical"
        key={r.version}
        initialValues={{ freeMinutes: r.freeMinutes, perHour: r.perHourFen / 100, cap: r.dailyCapFen / 100 }}
        onFinish={(v: { freeMinutes: number; perHour: number; cap: number }) =>
          save.mutate({
            community,
            freeMinutes: v.freeMinutes,
            perHourFen: Math.round(v.perHour * 100),
            dailyCapFen: Math.round(v.cap * 100),
            expectedVersion: r.version,
          })
        }
      >
        <Form.Item name="freeMinutes" label={t('access.fee.free')} rules={[{ required: true }]}>
          <InputNumber min={0} max={1440} precision={0} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="perHour" label={t('access.fee.perHour')} rules={[{ required: true }]}>
          <InputNumber min={0} max={1000} precision={2} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="cap" label={t('access.fee.cap')} rules={[{ required: true }]}>
          <InputNumber min={0} max={100000} precision={2} style={{ width: '100%' }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          {t('access.fee.save')}
        </Button>
      </Form>
    </Card>
  );
}

/** 出入管理: today's traffic, pass records, temporary parking with fees, parking spaces and the fee rule. */
export function AccessConsole({ community }: { community: string }) {
  const t = useT();
  return (
    <>
      <Stats community={community} />
      <Tabs
        items={[
          { key: 'passes', label: t('access.tab.passes'), children: <Passes community={community} /> },
          { key: 'sessions', label: t('access.tab.sessions'), children: <Sessions community={community} /> },
          { key: 'spaces', label: t('access.tab.spaces'), children: <Spaces community={community} /> },
          { key: 'fee', label: t('access.tab.feeRule'), children: <FeeRule community={community} /> },
        ]}
      />
    </>
  );
}
