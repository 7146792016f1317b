'use client';

import type { TableProps } from 'antd';
import { Button, Card, Space, Statistic, Table, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useT } from '@/i18n/lang-provider';

/** The pieces every tab of the IoT warehouse console is made of (one copy instead of one per tab). */

/** How often the tabs refetch their figures and lists. */
export const live = { refetchInterval: 15_000 } as const;

/** The options of a tab's infinite list (the router pages with an opaque string cursor, `null` at the end). */
export const pagedList = {
  getNextPageParam: (p: { nextCursor: string | null }) => p.nextCursor ?? undefined,
  initialCursor: undefined,
  ...live,
};

interface Pages<T> {
  pages: { items: T[] }[];
}

/** The rows of all the pages loaded so far. */
export const rowsOf = <T,>(data: Pages<T> | undefined): T[] => data?.pages.flatMap((p) => p.items) ?? [];

/** What the parts need of a `useInfiniteQuery` result. */
export interface PagedQuery<T> {
  data?: Pages<T>;
  isPending: boolean;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}

/** The body of a tab: a vertical stack under the date-range hint. */
export function TabBody({ children }: { children: ReactNode }) {
  const t = useT();
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('warehouse.range.hint')}</Typography.Text>
      {children}
    </Space>
  );
}

export interface StatItem {
  title: string;
  value: number | string;
  precision?: number;
  /** When given, the statistic is wrapped in a `<div data-testid>` (the e2e reads those). */
  testId?: string;
}

/** A row of `<Statistic>` figures. */
export function StatRow({ testId, items }: { testId: string; items: StatItem[] }) {
  return (
    <Space size="large" wrap data-testid={testId}>
      {items.map(({ title, value, precision, testId: id }) =>
        id ? (
          <div key={title} data-testid={id}>
            <Statistic title={title} value={value} precision={precision} />
          </div>
        ) : (
          <Statistic key={title} title={title} value={value} precision={precision} />
        ),
      )}
    </Space>
  );
}

/** A small card holding a small, unpaginated table (anything in `children` goes under the table). */
export function SmallTableCard<T extends object>({
  title,
  children,
  ...table
}: { title: ReactNode; children?: ReactNode } & Omit<TableProps<T>, 'title'>) {
  return (
    <Card size="small" title={title}>
      <Table<T> size="small" pagination={false} {...table} />
      {children}
    </Card>
  );
}

/** The "load more" button under an infinite list, while there is a next page. */
export function LoadMore({ list }: { list: PagedQuery<unknown> }) {
  const t = useT();
  return list.hasNextPage ? (
    <Button style={{ marginTop: 12 }} onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage}>
      {t('warehouse.more')}
    </Button>
  ) : null;
}

/**
 * A tab's record list: a card with the rows of an infinite list, each row marked by `row` (its `data-*` attributes, which
 * the e2e looks rows up by), and the "load more" button.
 */
export function RecordListCard<T extends object>({
  title,
  list,
  row,
  ...table
}: {
  title: ReactNode;
  list: PagedQuery<T>;
  row: (r: T) => Record<`data-${string}`, string | null>;
} & Omit<TableProps<T>, 'dataSource' | 'loading' | 'onRow' | 'title'>) {
  return (
    <Card size="small" title={title}>
      <Table<T>
        size="middle"
        rowKey="id"
        loading={list.isPending}
        pagination={false}
        dataSource={rowsOf(list.data)}
        onRow={(r) => row(r) as object}
        {...table}
      />
      <LoadMore list={list} />
    </Card>
  );
}
