'use client';

import { ReloadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Button, Drawer, Select, Space, Switch, Table, Tabs, Tag } from 'antd';
import { useState } from 'react';
import { PageError } from '@/components/apps/page-state';
import { PageHeading } from '@/components/page-heading';
import { useLang, useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { EventDetail } from './event-detail';
import {
  defaultStates,
  severities,
  severityColor,
  severityLabel,
  sourceLabel,
  stateColor,
  stateLabel,
  typeLabel,
  when,
} from './event-labels';
import { SlaBoard } from './sla-board';

type Severity = (typeof severities)[number];

/** The event desk: filter the community's events, open one to dispatch and move it on; the SLA board beside it. */
export function EventDesk({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const [states, setStates] = useState<string[]>([]);
  const [sev, setSev] = useState<Severity[]>([]);
  const [overdue, setOverdue] = useState(false);
  const [mine, setMine] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const q = useQuery(
    trpc.events.list.queryOptions(
      { community, states, severities: sev, overdue, assignedToMe: mine },
      { refetchInterval: 10_000 },
    ),
  );
  const list = (
    <div>
      <Space wrap style={{ marginBottom: 16 }}>
        <Select
          mode="multiple"
          allowClear
          style={{ minWidth: 220 }}
          placeholder={t('events.desk.states')}
          value={states}
          onChange={setStates}
          data-testid="desk-filter-states"
          options={defaultStates.map((s) => ({ value: s, label: stateLabel(t, s) }))}
        />
        <Select
          mode="multiple"
          allowClear
          style={{ minWidth: 180 }}
          placeholder={t('events.desk.severities')}
          value={sev}
          onChange={setSev}
          options={severities.map((s) => ({ value: s, label: severityLabel(t, s) }))}
        />
        <Space>
          <Switch checked={overdue} onChange={setOverdue} data-testid="desk-filter-overdue" />
          {t('events.desk.overdue')}
        </Space>
        <Space>
          <Switch checked={mine} onChange={setMine} data-testid="desk-filter-mine" />
          {t('events.desk.mine')}
        </Space>
        <Button icon={<ReloadOutlined />} onClick={() => q.refetch()}>
          {t('events.desk.refresh')}
        </Button>
      </Space>
      {q.error ? <PageError error={q.error} onRetry={() => q.refetch()} /> : null}
      <Table
        rowKey="id"
        loading={q.isLoading}
        dataSource={q.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: t('events.desk.empty') }}
        onRow={(r) =>
          ({ onClick: () => setOpen(r.id), style: { cursor: 'pointer' }, 'data-testid': 'desk-row' }) as never
        }
        columns={[
          {
            key: 'title',
            title: t('events.col.title'),
            render: (_, r) => <span data-testid="desk-row-title">{r.title}</span>,
          },
          { key: 'type', title: t('events.col.type'), render: (_, r) => typeLabel(t, r.type) },
          {
            key: 'severity',
            title: t('events.field.severity'),
            render: (_, r) => <Tag color={severityColor[r.severity]}>{severityLabel(t, r.severity)}</Tag>,
          },
          {
            key: 'state',
            title: t('events.state'),
            render: (_, r) => <Tag color={stateColor[r.state] ?? 'default'}>{stateLabel(t, r.state)}</Tag>,
          },
          { key: 'source', title: t('events.col.source'), render: (_, r) => sourceLabel(t, r.source) },
          { key: 'assignee', title: t('events.assignee'), render: (_, r) => r.assigneeName ?? '—' },
          {
            key: 'due',
            title: t('events.sla.due'),
            render: (_, r) =>
              r.slaDueAt ? (
                <span style={{ color: new Date(r.slaDueAt) < new Date() ? '#cf1322' : undefined }}>
                  {when(r.slaDueAt, lang)}
                </span>
              ) : (
                '—'
              ),
          },
          { key: 'created', title: t('events.col.created'), render: (_, r) => when(r.createdAt, lang) },
        ]}
      />
    </div>
  );
  return (
    <div>
      <PageHeading titleKey="events.desk.title" />
      <Tabs
        items={[
          { key: 'list', label: t('events.desk.list'), children: list },
          {
            key: 'board',
            label: t('events.desk.board'),
            children: <SlaBoard community={community} onOpen={setOpen} />,
          },
        ]}
      />
      <Drawer
        open={open !== null}
        onClose={() => setOpen(null)}
        size="large"
        destroyOnHidden
        title={t('events.desk.title')}
      >
        {open ? <EventDetail community={community} id={open} desk /> : null}
      </Drawer>
    </div>
  );
}
