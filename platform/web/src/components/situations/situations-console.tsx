'use client';

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
  Card,
  Col,
  DatePicker,
  Descriptions,
  Drawer,
  Empty,
  Form,
  Input,
  Row,
  Select,
  Space,
  Statistic,
  Table,
  Tabs,
  Tag,
  Timeline,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { PageError, PageLoading } from '@/components/apps/page-state';
import { stateLabel } from '@/components/events/event-labels';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

type Kind = 'abnormal' | 'boundary' | 'emergency';
const kinds: Kind[] = ['abnormal', 'boundary', 'emergency'];
const kindColor: Record<Kind, string> = { abnormal: 'orange', boundary: 'purple', emergency: 'red' };

const time = (iso: string | null) =>
  iso
    ? new Intl.DateTimeFormat('zh-CN', {
        timeZone: 'Asia/Shanghai',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      }).format(new Date(iso))
    : '—';

type T = ReturnType<typeof useT>;

/** A category in the console's language; an identifier of a custom thing model shows as it is. */
export function categoryLabel(t: T, category: string) {
  const key = `situations.category.${category}`;
  const text = t(key as MessageKey);
  return text === key || !text ? category : text;
}

export function durationLabel(t: T, seconds: number) {
  if (seconds < 60) return t('situations.duration.seconds', { n: seconds });
  if (seconds < 3600) return t('situations.duration.minutes', { n: Math.round(seconds / 60) });
  return t('situations.duration.hours', { h: Math.floor(seconds / 3600), m: Math.round((seconds % 3600) / 60) });
}

type Range = { from: string; to: string } | null;

function Stats({ community, range }: { community: string; range: Range }) {
  const trpc = useTRPC();
  const t = useT();
  const s = useQuery(
    trpc.iot.situations.stats.queryOptions({ community, ...(range ?? {}) }, { refetchInterval: 10_000 }),
  );
  if (!s.data) return null;
  const median = (kind: Kind) => {
    const cats = s.data.byCategory.filter((c) => c.kind === kind);
    const n = cats.reduce((a, c) => a + c.count, 0);
    // The kind's median is approximated by the count-weighted mean of its categories' medians.
    return n ? Math.round(cats.reduce((a, c) => a + c.medianSeconds * c.count, 0) / n) : 0;
  };
  return (
    <Row gutter={16} style={{ marginBottom: 16 }} data-testid="situation-stats">
      {kinds.map((kind) => {
        const k = s.data.byKind.find((x) => x.kind === kind);
        return (
          <Col key={kind} xs={24} md={8}>
            <Card size="small" data-testid={`situation-stat-${kind}`}>
              <Statistic
                title={
                  range
                    ? t('situations.stats.range', { kind: t(`situations.kind.${kind}`), ...range })
                    : t('situations.stats.total', { kind: t(`situations.kind.${kind}`) })
                }
                value={k?.count ?? 0}
                suffix={
                  <Typography.Text type={k?.open ? 'danger' : 'secondary'} style={{ fontSize: 14 }}>
                    {t('situations.stats.open', { n: k?.open ?? 0 })}
                  </Typography.Text>
                }
              />
              <Typography.Text type="secondary">
                {t('situations.stats.median')}: {durationLabel(t, median(kind))}
              </Typography.Text>
            </Card>
          </Col>
        );
      })}
    </Row>
  );
}

function CloseForm({ community, id, version }: { community: string; id: string; version: number }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<{ result: string; personIds?: string[] }>();
  const [search, setSearch] = useState('');
  const people = useQuery({
    ...trpc.base.people.list.queryOptions({ community, namePrefix: search || undefined, limit: 20 }),
    enabled: search.length > 0,
  });
  const close = useMutation(
    trpc.iot.situations.close.mutationOptions({
      onSuccess: async () => {
        message.success(t('situations.close.done'));
        await qc.invalidateQueries({ queryKey: trpc.iot.situations.pathKey() });
      },
      onError: (e) => message.error(errorMessage(e, lang, t('common.networkError'))),
    }),
  );
  return (
    <Card size="small" title={t('situations.close.title')}>
      <Form
        form={form}
        layout="vertical"
        onFinish={(v) =>
          close.mutate({ community, id, result: v.result, personIds: v.personIds, expectedVersion: version })
        }
      >
        <Form.Item
          name="result"
          label={t('situations.close.result')}
          rules={[{ required: true, whitespace: true, max: 1000, message: t('situations.close.result.required') }]}
        >
          <Input.TextArea rows={3} maxLength={1000} data-testid="situation-result" />
        </Form.Item>
        <Form.Item name="personIds" label={t('situations.close.parties')}>
          <Select
            mode="multiple"
            showSearch={{ filterOption: false, onSearch: setSearch }}
            placeholder={t('situations.close.parties.search')}
            notFoundContent={null}
            options={(people.data?.items ?? []).map((p) => ({ value: p.id, label: p.name }))}
            data-testid="situation-parties"
          />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={close.isPending} data-testid="situation-close-submit">
          {t('situations.close.submit')}
        </Button>
      </Form>
    </Card>
  );
}

function SituationDetail({ community, id }: { community: string; id: string }) {
  const trpc = useTRPC();
  const t = useT();
  const q = useQuery(trpc.iot.situations.get.queryOptions({ community, id }));
  if (q.isLoading) return <PageLoading />;
  if (q.error || !q.data) return <PageError error={q.error} />;
  const s = q.data;
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }} data-testid="situation-detail">
      <Descriptions bordered size="small" column={1}>
        <Descriptions.Item label={t('situations.detail.kind')}>
          <Tag color={kindColor[s.kind]}>{t(`situations.kind.${s.kind}`)}</Tag>
          {s.emergencyClass ? <Tag>{t(`situations.emergency.${s.emergencyClass}`)}</Tag> : null}
          {categoryLabel(t, s.category)}
        </Descriptions.Item>
        <Descriptions.Item label={t('situations.col.device')}>
          <code>
            {s.productKey}/{s.deviceName}
          </code>
        </Descriptions.Item>
        <Descriptions.Item label={t('situations.col.location')}>{s.location ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('situations.detail.occurred')}>{time(s.occurredAt)}</Descriptions.Item>
        <Descriptions.Item label={t('situations.detail.lastSeen')}>{time(s.lastSeenAt)}</Descriptions.Item>
        <Descriptions.Item label={t('situations.col.duration')}>
          {durationLabel(t, s.durationSeconds)}
        </Descriptions.Item>
        <Descriptions.Item label={t('situations.col.detections')}>{s.detections}</Descriptions.Item>
        <Descriptions.Item label={t('situations.col.status')}>
          <Tag color={s.status === 'open' ? 'red' : 'green'} data-testid="situation-status">
            {t(`situations.status.${s.status}`)}
          </Tag>
        </Descriptions.Item>
        <Descriptions.Item label={t('situations.detail.parties')}>
          {s.parties.length
            ? s.parties
                .map((p) =>
                  p.kind === 'person'
                    ? ((p as { name?: string | null }).name ?? p.personId)
                    : t('situations.party.ref', { ref: p.ref }),
                )
                .join('、')
            : '—'}
        </Descriptions.Item>
        {s.status === 'closed' ? (
          <>
            <Descriptions.Item label={t('situations.col.result')}>
              <span data-testid="situation-detail-result">{s.result}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('situations.detail.handledBy')}>
              {s.handledByName ?? s.handledBy}
            </Descriptions.Item>
            <Descriptions.Item label={t('situations.detail.closedAt')}>{time(s.closedAt)}</Descriptions.Item>
          </>
        ) : null}
        <Descriptions.Item label={t('situations.detail.deskEvent')}>
          {s.deskEventId ? (
            <span>
              <code>{s.deskEventId.slice(0, 8)}</code> {s.deskEventState ? stateLabel(t, s.deskEventState) : ''}
            </span>
          ) : (
            '—'
          )}
        </Descriptions.Item>
      </Descriptions>
      {s.status === 'open' ? <CloseForm community={community} id={s.id} version={s.version} /> : null}
      <Card size="small" title={t('situations.detail.detections')}>
        <Timeline items={s.detectionLog.map((d) => ({ content: time(d.detectedAt) }))} />
      </Card>
      <Card size="small" title={t('situations.detail.payload')}>
        <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{JSON.stringify(s.payload, null, 2)}</pre>
      </Card>
    </Space>
  );
}

/** 公共区域态势: the community's situations by kind, stat cards, and a drawer to record the handling. */
export function SituationsConsole({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const [kind, setKind] = useState<Kind | 'all'>('all');
  const [status, setStatus] = useState<'open' | 'closed' | undefined>(undefined);
  const [open, setOpen] = useState<string | null>(null);
  const [range, setRange] = useState<Range>(null);
  // Community days (Asia/Shanghai): from the first day's start to the end of the last.
  const between = range
    ? {
        from: `${range.from}T00:00:00+08:00`,
        to: `${dayjs(range.to).add(1, 'day').format('YYYY-MM-DD')}T00:00:00+08:00`,
      }
    : {};
  const q = useInfiniteQuery({
    ...trpc.iot.situations.list.infiniteQueryOptions(
      { community, kind: kind === 'all' ? undefined : kind, status, limit: 50, ...between },
      { getNextPageParam: (p) => p.nextCursor ?? undefined, initialCursor: undefined },
    ),
    refetchInterval: 5000,
  });
  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div>
      <Stats community={community} range={range} />
      <Tabs
        activeKey={kind}
        onChange={(k) => setKind(k as Kind | 'all')}
        items={(['all', ...kinds] as const).map((k) => ({
          key: k,
          label: <span data-testid={`situation-tab-${k}`}>{t(`situations.kind.${k}`)}</span>,
        }))}
        tabBarExtraContent={
          <Space>
            <DatePicker.RangePicker
              value={range ? [dayjs(range.from), dayjs(range.to)] : null}
              onChange={(v) =>
                setRange(v?.[0] && v[1] ? { from: v[0].format('YYYY-MM-DD'), to: v[1].format('YYYY-MM-DD') } : null)
              }
              data-testid="situation-filter-range"
            />
            <Select
              allowClear
              style={{ minWidth: 140 }}
              placeholder={t('situations.status.all')}
              value={status}
              onChange={setStatus}
              options={(['open', 'closed'] as const).map((s) => ({ value: s, label: t(`situations.status.${s}`) }))}
              data-testid="situation-filter-status"
            />
          </Space>
        }
      />
      {q.error ? <PageError error={q.error} /> : null}
      <Table
        data-testid="situations-table"
        rowKey="id"
        size="middle"
        loading={q.isPending}
        pagination={false}
        dataSource={rows}
        locale={{ emptyText: <Empty description={t('situations.empty')} /> }}
        onRow={(r) =>
          ({
            onClick: () => setOpen(r.id),
            style: { cursor: 'pointer' },
            'data-testid': 'situation-row',
            'data-category': r.category,
            'data-status': r.status,
          }) as object
        }
        columns={[
          { title: t('situations.col.time'), dataIndex: 'occurredAt', render: time },
          {
            title: t('situations.col.category'),
            render: (_, r) => (
              <span>
                <Tag color={kindColor[r.kind]}>{t(`situations.kind.${r.kind}`)}</Tag>
                {r.emergencyClass ? (
                  <Tag data-testid="situation-emergency-class">{t(`situations.emergency.${r.emergencyClass}`)}</Tag>
                ) : null}
                {categoryLabel(t, r.category)}
              </span>
            ),
          },
          { title: t('situations.col.device'), dataIndex: 'deviceName' },
          { title: t('situations.col.location'), dataIndex: 'location', render: (l) => l ?? '—' },
          {
            title: t('situations.col.duration'),
            dataIndex: 'durationSeconds',
            render: (s: number) => durationLabel(t, s),
          },
          { title: t('situations.col.detections'), dataIndex: 'detections' },
          {
            title: t('situations.col.status'),
            dataIndex: 'status',
            render: (s: 'open' | 'closed') => (
              <Tag color={s === 'open' ? 'red' : 'green'}>{t(`situations.status.${s}`)}</Tag>
            ),
          },
          {
            title: t('situations.col.result'),
            dataIndex: 'result',
            render: (r: string | null) => <span data-testid="situation-row-result">{r ?? ''}</span>,
          },
        ]}
      />
      {q.hasNextPage ? (
        <Button style={{ marginTop: 12 }} onClick={() => q.fetchNextPage()} loading={q.isFetchingNextPage}>
          {t('situations.more')}
        </Button>
      ) : null}
      <Drawer
        open={open !== null}
        onClose={() => setOpen(null)}
        size="large"
        destroyOnHidden
        title={t('situations.detail.title')}
      >
        {open ? <SituationDetail community={community} id={open} /> : null}
      </Drawer>
    </div>
  );
}
