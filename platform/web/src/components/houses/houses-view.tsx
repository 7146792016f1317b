'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Alert, Button, Input, Select, Space, Table, type TableColumnsType } from 'antd';
import Link from 'next/link';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { ownershipLabel } from '@/lib/house-schema';
import { useTRPC, useTRPCClient } from '@/lib/trpc';

const PAGE_SIZE = 30;

/** 房屋管理: the community's houses in address order, by compound and building, a page at a time. */
export function HousesView({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [compound, setCompound] = useState<string | undefined>();
  const [building, setBuilding] = useState<string | undefined>();
  const compounds = useQuery(trpc.tenancy.compounds.queryOptions());
  const list = useInfiniteQuery({
    queryKey: [...trpc.base.houses.list.queryKey(), community, compound, building],
    queryFn: ({ pageParam }) =>
      client.base.houses.list.query({ community, compound, building, after: pageParam ?? undefined, limit: PAGE_SIZE }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  type Row = NonNullable<typeof list.data>['pages'][number]['items'][number];
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  const columns: TableColumnsType<Row> = [
    {
      title: t('houses.col.address'),
      key: 'address',
      render: (_, h) => (
        <Link href={`/console/houses/${h.id}`} data-testid="house-link">
          {t('houses.address', { compound: h.compound, building: h.building, unit: h.unit, room: h.room })}
        </Link>
      ),
    },
    { title: t('houses.col.layout'), dataIndex: 'layout' },
    { title: t('houses.col.area'), dataIndex: 'area', render: (v: number | null) => (v == null ? '' : `${v} ㎡`) },
    { title: t('houses.col.ownership'), dataIndex: 'ownership', render: (v: string | null) => ownershipLabel(v, lang) },
    {
      title: t('houses.col.gridCode'),
      dataIndex: 'gridCode',
      render: (v: string | null) => (v ? <code>{v}</code> : ''),
    },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Space wrap>
        <Select
          allowClear
          placeholder={t('houses.filter.compound')}
          style={{ width: 200 }}
          value={compound}
          onChange={setCompound}
          options={(compounds.data ?? [])
            .filter((c, i, all) => all.findIndex((x) => x.name === c.name) === i)
            .map((c) => ({ value: c.name, label: lang === 'en' && c.nameEn ? c.nameEn : c.name }))}
          data-testid="houses-compound"
        />
        <Input.Search
          allowClear
          placeholder={t('houses.filter.building')}
          style={{ width: 200 }}
          onSearch={(v) => setBuilding(v.trim() || undefined)}
          data-testid="houses-building"
        />
      </Space>
      {list.error ? (
        <Alert type="error" showIcon title={errorMessage(list.error, lang, t('common.networkError'))} />
      ) : null}
      <div data-testid="houses-table">
        <Table<Row>
          rowKey="id"
          size="middle"
          columns={columns}
          dataSource={items}
          loading={list.isLoading}
          pagination={false}
          locale={{ emptyText: t('houses.empty') }}
        />
      </div>
      {list.hasNextPage ? (
        <div style={{ textAlign: 'center' }}>
          <Button onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage} data-testid="houses-more">
            {t('people.loadMore')}
          </Button>
        </div>
      ) : null}
    </Space>
  );
}
