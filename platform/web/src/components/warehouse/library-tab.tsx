'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Col, Row, Tag, Typography } from 'antd';
import type { MessageKey } from '@/i18n/lang';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { orDash, shanghaiTime } from './format';
import { live, pagedList, RecordListCard, SmallTableCard, StatRow, TabBody } from './parts';

/** 图书借阅 (DB33 7.2.2.4.4) from the library terminals (6.2.3.4): borrows, returns, books out and overdue loans. */
export function LibraryTab({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const stats = useQuery(trpc.iot.warehouse.library.stats.queryOptions({ community }, live));
  const loans = useQuery(trpc.iot.warehouse.library.loans.queryOptions({ community }, live));
  const list = useInfiniteQuery(
    trpc.iot.warehouse.library.list.infiniteQueryOptions({ community, limit: 50 }, pagedList),
  );
  const s = stats.data;
  return (
    <TabBody>
      <StatRow
        testId="library-stats"
        items={[
          { title: t('warehouse.library.borrows'), value: s?.borrows ?? 0, testId: 'library-borrows' },
          { title: t('warehouse.library.returns'), value: s?.returns ?? 0, testId: 'library-returns' },
          { title: t('warehouse.library.readers'), value: s?.readers ?? 0 },
          { title: t('warehouse.library.outNow'), value: s?.outNow ?? 0, testId: 'library-out' },
          { title: t('warehouse.library.overdueNow'), value: s?.overdueNow ?? 0, testId: 'library-overdue' },
          { title: t('warehouse.library.lateReturns'), value: s?.lateReturns ?? 0 },
          { title: t('warehouse.library.meanOverdueDays'), value: orDash(s?.meanOverdueDays) },
        ]}
      />
      <Typography.Text type="secondary">{t('warehouse.library.notBuilt')}</Typography.Text>
      <Row gutter={16}>
        <Col xs={24} md={10}>
          <SmallTableCard
            title={t('warehouse.library.byDay')}
            rowKey="day"
            dataSource={s?.days ?? []}
            columns={[
              { title: t('warehouse.col.day'), dataIndex: 'day' },
              { title: t('warehouse.library.borrows'), dataIndex: 'borrows' },
              { title: t('warehouse.library.returns'), dataIndex: 'returns' },
              { title: t('warehouse.library.readers'), dataIndex: 'readers' },
            ]}
          />
        </Col>
        <Col xs={24} md={14}>
          <SmallTableCard
            title={t('warehouse.library.loans')}
            data-testid="library-loans"
            rowKey="id"
            pagination={{ pageSize: 20 }}
            dataSource={loans.data ?? []}
            columns={[
              { title: 'ISBN', dataIndex: 'isbn' },
              { title: t('warehouse.col.resident'), render: (_, r) => r.personName ?? orDash(r.ref) },
              { title: t('warehouse.library.borrowedAt'), dataIndex: 'borrowedAt', render: shanghaiTime },
              { title: t('warehouse.library.dueDate'), dataIndex: 'dueDate', render: orDash },
              {
                title: t('warehouse.col.status'),
                dataIndex: 'overdue',
                render: (o: boolean) =>
                  o ? <Tag color="red">{t('warehouse.library.overdue')}</Tag> : <Tag>{t('warehouse.library.out')}</Tag>,
              },
            ]}
          />
        </Col>
      </Row>
      <RecordListCard
        title={t('warehouse.library.list')}
        data-testid="library-list"
        list={list}
        row={(r) => ({ 'data-testid': 'library-row', 'data-event': r.event })}
        columns={[
          { title: t('warehouse.col.time'), dataIndex: 'at', render: shanghaiTime },
          { title: t('warehouse.col.device'), dataIndex: 'deviceName' },
          {
            title: t('warehouse.col.event'),
            dataIndex: 'event',
            render: (e) => t(`warehouse.library.event.${e}` as MessageKey),
          },
          { title: t('warehouse.col.resident'), render: (_, r) => r.personName ?? orDash(r.ref) },
          { title: 'ISBN', dataIndex: 'label' },
          { title: t('warehouse.library.overdueDays'), dataIndex: 'amount', render: orDash },
        ]}
      />
    </TabBody>
  );
}
