'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Col, Row, Tag } from 'antd';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { orDash, shanghaiTime } from './format';
import { live, pagedList, RecordListCard, SmallTableCard, StatRow, TabBody } from './parts';

/** 快递 (货物, DB33 7.2.2.2.3): deposits and pickups of the parcel lockers. */
export function ParcelsTab({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const stats = useQuery(trpc.iot.warehouse.parcels.stats.queryOptions({ community }, live));
  const list = useInfiniteQuery(
    trpc.iot.warehouse.parcels.list.infiniteQueryOptions({ community, limit: 50 }, pagedList),
  );
  const s = stats.data;
  return (
    <TabBody>
      <StatRow
        testId="parcel-stats"
        items={[
          { title: t('warehouse.parcels.deposits'), value: s?.deposits ?? 0, testId: 'parcel-deposits' },
          { title: t('warehouse.parcels.pickups'), value: s?.pickups ?? 0, testId: 'parcel-pickups' },
          { title: t('warehouse.parcels.waiting'), value: s?.waiting ?? 0, testId: 'parcel-waiting' },
          { title: t('warehouse.parcels.overdue'), value: s?.overdue ?? 0, testId: 'parcel-overdue' },
          { title: t('warehouse.parcels.meanDwell'), value: s?.meanDwellMinutes ?? '—' },
        ]}
      />
      <Row gutter={16}>
        <Col xs={24} md={8}>
          <SmallTableCard
            title={t('warehouse.parcels.byDay')}
            rowKey="day"
            dataSource={s?.days ?? []}
            columns={[
              { title: t('warehouse.col.day'), dataIndex: 'day' },
              { title: t('warehouse.parcels.deposits'), dataIndex: 'deposits' },
              { title: t('warehouse.parcels.pickups'), dataIndex: 'pickups' },
            ]}
          />
        </Col>
        <Col xs={24} md={8}>
          <SmallTableCard
            title={t('warehouse.parcels.byLocker')}
            rowKey="deviceId"
            dataSource={s?.lockers ?? []}
            columns={[
              { title: t('warehouse.col.locker'), dataIndex: 'deviceName' },
              { title: t('warehouse.col.location'), dataIndex: 'location', render: (v: string | null) => v ?? '—' },
              { title: t('warehouse.parcels.deposits'), dataIndex: 'deposits' },
              { title: t('warehouse.parcels.waiting'), dataIndex: 'waiting' },
            ]}
          />
        </Col>
        <Col xs={24} md={8}>
          <SmallTableCard
            title={t('warehouse.parcels.byCarrier')}
            rowKey={(r) => r.carrier ?? ''}
            dataSource={s?.carriers ?? []}
            columns={[
              { title: t('warehouse.col.carrier'), dataIndex: 'carrier', render: orDash },
              { title: t('warehouse.col.count'), dataIndex: 'deposits' },
            ]}
          />
        </Col>
      </Row>
      <RecordListCard
        title={t('warehouse.parcels.list')}
        data-testid="parcel-list"
        list={list}
        row={(r) => ({ 'data-testid': 'parcel-row', 'data-tracking': r.trackingNo ?? '' })}
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
    </TabBody>
  );
}
