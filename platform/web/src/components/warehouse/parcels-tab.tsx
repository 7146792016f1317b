'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Button, Card, Col, Row, Space, Statistic, Table, Tag, Typography } from 'antd';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { orDash, shanghaiTime } from './format';

/** 快递 (货物, DB33 7.2.2.2.3): deposits and pickups of the parcel lockers. */
export function ParcelsTab({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const stats = useQuery(trpc.iot.warehouse.parcels.stats.queryOptions({ community }, { refetchInterval: 15_000 }));
  const list = useInfiniteQuery(
    trpc.iot.warehouse.parcels.list.infiniteQueryOptions(
      { community, limit: 50 },
      { getNextPageParam: (p) => p.nextCursor ?? undefined, initialCursor: undefined, refetchInterval: 15_000 },
    ),
  );
  const s = stats.data;
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('warehouse.range.hint')}</Typography.Text>
      <Space size="large" wrap data-testid="parcel-stats">
        <div data-testid="parcel-deposits">
          <Statistic title={t('warehouse.parcels.deposits')} value={s?.deposits ?? 0} />
        </div>
        <div data-testid="parcel-pickups">
          <Statistic title={t('warehouse.parcels.pickups')} value={s?.pickups ?? 0} />
        </div>
        <div data-testid="parcel-waiting">
          <Statistic title={t('warehouse.parcels.waiting')} value={s?.waiting ?? 0} />
        </div>
        <div data-testid="parcel-overdue">
          <Statistic title={t('warehouse.parcels.overdue')} value={s?.overdue ?? 0} />
        </div>
        <Statistic title={t('warehouse.parcels.meanDwell')} value={s?.meanDwellMinutes ?? '—'} />
      </Space>
      <Row gutter={16}>
        <Col xs={24} md={8}>
          <Card size="small" title={t('warehouse.parcels.byDay')}>
            <Table
              size="small"
              rowKey="day"
              pagination={false}
              dataSource={s?.days ?? []}
              columns={[
                { title: t('warehouse.col.day'), dataIndex: 'day' },
                { title: t('warehouse.parcels.deposits'), dataIndex: 'deposits' },
                { title: t('warehouse.parcels.pickups'), dataIndex: 'pickups' },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} md={8}>
          <Card size="small" title={t('warehouse.parcels.byLocker')}>
            <Table
              size="small"
              rowKey="deviceId"
              pagination={false}
              dataSource={s?.lockers ?? []}
              columns={[
                { title: t('warehouse.col.locker'), dataIndex: 'deviceName' },
                { title: t('warehouse.col.location'), dataIndex: 'location', render: (v: string | null) => v ?? '—' },
                { title: t('warehouse.parcels.deposits'), dataIndex: 'deposits' },
                { title: t('warehouse.parcels.waiting'), dataIndex: 'waiting' },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} md={8}>
          <Card size="small" title={t('warehouse.parcels.byCarrier')}>
            <Table
              size="small"
              rowKey={(r) => r.carrier ?? ''}
              pagination={false}
              dataSource={s?.carriers ?? []}
              columns={[
                { title: t('warehouse.col.carrier'), dataIndex: 'carrier', render: orDash },
                { title: t('warehouse.col.count'), dataIndex: 'deposits' },
              ]}
            />
          </Card>
        </Col>
      </Row>
      <Card size="small" title={t('warehouse.parcels.list')}>
        <Table
          data-testid="parcel-list"
          size="middle"
          rowKey="id"
          loading={list.isPending}
          pagination={false}
          dataSource={rows}
          onRow={(r) => ({ 'data-testid': 'parcel-row', 'data-tracking': r.trackingNo ?? '' }) as object}
          columns={[
            { title: t('warehouse.col.locker'), dataIndex: 'deviceName' },
            { title: t('warehouse.col.cell'), dataIndex: 'cell' },
            { title: t('warehouse.col.trackingNo'), dataIndex: 'trackingNo', render: orDash },
            { title: t('warehouse.col.carrier'), dataIndex: 'carrier', render: orDash },
            { title: t('warehouse.col.depositedAt'), dataIndex: 'depositedAt', render: shanghaiTime },
            { title: t('warehouse.col.pickedUpAt'), dataIndex: 'pickedUpAt', render: shanghaiTime },
            { title: t('warehouse.col.dwell'), dataIndex: 'dwellMinutes', render: orDash },
            {
              title: t('warehouse.col.status'),
              render: (_, r) =>
                r.overdue ? (
                  <Tag color="red">{t('warehouse.status.overdue')}</Tag>
                ) : r.waiting ? (
                  <Tag color="orange">{t('warehouse.status.waiting')}</Tag>
                ) : r.depositedAt ? (
                  <Tag color="green">{t('warehouse.status.picked')}</Tag>
                ) : (
                  <Tag>{t('warehouse.status.noDeposit')}</Tag>
                ),
            },
          ]}
        />
        {list.hasNextPage ? (
          <Button style={{ marginTop: 12 }} onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage}>
            {t('warehouse.more')}
          </Button>
        ) : null}
      </Card>
    </Space>
  );
}
