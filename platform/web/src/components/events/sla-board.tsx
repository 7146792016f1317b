'use client';

import { useQuery } from '@tanstack/react-query';
import { Card, Col, Progress, Row, Statistic, Table, Tag } from 'antd';
import { PageError } from '@/components/apps/page-state';
import { useLang, useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { severityColor, severityLabel, stateLabel, when } from './event-labels';

const statusColor = { ok: 'green', warning: 'orange', overdue: 'red' } as const;

/** Open events by the share of their state's SLA used: on time, warning (≥ 80%), overdue. */
export function SlaBoard({ community, onOpen }: { community: string; onOpen: (id: string) => void }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const q = useQuery(trpc.events.sla.queryOptions({ community }, { refetchInterval: 15_000 }));
  if (q.error) return <PageError error={q.error} onRetry={() => q.refetch()} />;
  const c = q.data?.counts ?? { ok: 0, warning: 0, overdue: 0 };
  return (
    <div data-testid="sla-board">
      <Row gutter={16} style={{ marginBottom: 16 }}>
        {(['ok', 'warning', 'overdue'] as const).map((k) => (
          <Col span={8} key={k}>
            <Card>
              <Statistic
                title={t(`events.board.${k}`)}
                value={c[k]}
                valueStyle={{ color: k === 'ok' ? undefined : k === 'warning' ? '#d46b08' : '#cf1322' }}
                data-testid={`sla-count-${k}`}
              />
            </Card>
          </Col>
        ))}
      </Row>
      <Table
        rowKey="id"
        loading={q.isLoading}
        dataSource={q.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: t('events.board.empty') }}
        onRow={(r) => ({ onClick: () => onOpen(r.id), style: { cursor: 'pointer' } })}
        columns={[
          { key: 'title', title: t('events.col.title'), dataIndex: 'title' },
          {
            key: 'severity',
            title: t('events.field.severity'),
            render: (_, r) => <Tag color={severityColor[r.severity]}>{severityLabel(t, r.severity)}</Tag>,
          },
          { key: 'state', title: t('events.state'), render: (_, r) => stateLabel(t, r.state) },
          { key: 'assignee', title: t('events.assignee'), render: (_, r) => r.assigneeName ?? '—' },
          {
            key: 'used',
            title: t('events.board.used'),
            render: (_, r) => (
              <Progress
                percent={Math.min(100, Math.round(r.used * 100))}
                size="small"
                status={r.status === 'overdue' ? 'exception' : 'normal'}
                strokeColor={r.status === 'warning' ? '#fa8c16' : undefined}
              />
            ),
          },
          {
            key: 'status',
            title: t('events.state'),
            render: (_, r) => (
              <Tag color={statusColor[r.status]} data-testid={`sla-status-${r.status}`}>
                {t(`events.board.${r.status}`)}
              </Tag>
            ),
          },
          { key: 'due', title: t('events.sla.due'), render: (_, r) => when(r.slaDueAt, lang) },
        ]}
      />
    </div>
  );
}
