'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Col, Row, Tag, Typography } from 'antd';
import type { MessageKey } from '@/i18n/lang';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { orDash, shanghaiTime } from './format';
import { live, pagedList, RecordListCard, SmallTableCard, StatRow, TabBody } from './parts';

/**
 * 教育学习画像 (DB33 7.2.2.4.4) from the library terminals, e-reading devices and training check-in terminals (6.2.3.4):
 * borrows, returns, books out and overdue loans; reading time and training time per day and the courses.
 */
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
      <StatRow
        testId="library-time"
        items={[
          {
            title: t('warehouse.library.readingMinutes'),
            value: s?.reading.minutes ?? 0,
            testId: 'library-reading-minutes',
          },
          { title: t('warehouse.library.readingReaders'), value: s?.reading.readers ?? 0 },
          {
            title: t('warehouse.library.trainingMinutes'),
            value: s?.training.minutes ?? 0,
            testId: 'library-training-minutes',
          },
          { title: t('warehouse.library.trainees'), value: s?.training.trainees ?? 0, testId: 'library-trainees' },
          { title: t('warehouse.library.checkIns'), value: s?.training.checkIns ?? 0 },
        ]}
      />
      <Typography.Text type="secondary">{t('warehouse.library.timeNote')}</Typography.Text>
      <Row gutter={16}>
        <Col xs={24} md={14}>
          <SmallTableCard
            title={t('warehouse.library.timeByDay')}
            data-testid="library-time-days"
            rowKey="day"
            dataSource={s?.timeDays ?? []}
            columns={[
              { title: t('warehouse.col.day'), dataIndex: 'day' },
              { title: t('warehouse.library.readingMinutes'), render: (_, d) => d.reading.minutes },
              { title: t('warehouse.library.readingReaders'), render: (_, d) => d.reading.readers },
              { title: t('warehouse.library.trainingMinutes'), render: (_, d) => d.training.minutes },
              { title: t('warehouse.library.trainees'), render: (_, d) => d.training.trainees },
            ]}
          />
        </Col>
        <Col xs={24} md={10}>
          <SmallTableCard
            title={t('warehouse.library.courses')}
            data-testid="library-courses"
            rowKey="course"
            dataSource={s?.courses ?? []}
            columns={[
              { title: t('warehouse.library.course'), dataIndex: 'course' },
              { title: t('warehouse.library.trainees'), dataIndex: 'trainees' },
              { title: t('warehouse.library.trainingMinutes'), dataIndex: 'minutes' },
            ]}
          />
        </Col>
      </Row>
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
        title={t('warehouse.library.listAll')}
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
          { title: t('warehouse.library.item'), dataIndex: 'label', render: orDash },
          {
            title: t('warehouse.library.overdueDays'),
            render: (_, r) => (r.event === 'return' ? orDash(r.amount) : '—'),
          },
          {
            title: t('warehouse.library.minutes'),
            render: (_, r) => (r.event === 'reading' || r.event === 'checkOut' ? orDash(r.amount) : '—'),
          },
        ]}
      />
    </TabBody>
  );
}
