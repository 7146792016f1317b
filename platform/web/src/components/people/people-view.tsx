'use client';

import { PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Input, Space, Table, type TableColumnsType, Typography } from 'antd';
import Link from 'next/link';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { enumLabel } from '@/lib/person-schema';
import { useEntryGuard } from '../entry/use-entry-guard';
import { PeopleExport } from './people-export';
import { PersonFormDrawer } from './person-form-drawer';
import { filterFor } from './search-input';
import { usePeople } from './use-people';

type Row = ReturnType<typeof usePeople>['items'][number];

/** The community's people: search, page through, add one. Sensitive values stay masked here. */
export function PeopleView({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const [search, setSearch] = useState('');
  const [adding, setAdding] = useState(false);
  const { list, items, total } = usePeople(community, filterFor(search));
  const entry = useEntryGuard();

  const columns: TableColumnsType<Row> = [
    {
      title: t('people.col.name'),
      dataIndex: 'name',
      render: (name: string, r) => <Link href={`/console/people/${r.id}`}>{name}</Link>,
    },
    { title: t('people.col.idType'), dataIndex: 'idType', render: (v: string) => enumLabel('idType', v, lang) },
    { title: t('people.col.idNumber'), dataIndex: 'idNumber', render: (v: string) => <code>{v}</code> },
    { title: t('people.col.gender'), dataIndex: 'gender', render: (v: string) => enumLabel('gender', v, lang) },
    { title: t('people.col.birthYear'), dataIndex: 'birthYear' },
    { title: t('people.col.phone'), dataIndex: 'phone', render: (v: string | null) => v ?? '' },
    { title: t('people.col.category'), dataIndex: 'category', render: (v: string) => enumLabel('category', v, lang) },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }} wrap>
        <Input.Search
          allowClear
          data-testid="people-search"
          placeholder={t('people.search.placeholder')}
          onSearch={(v) => setSearch(v)}
          style={{ width: 360 }}
        />
        <Space>
          <Typography.Text type="secondary" data-testid="people-total">
            {total === undefined ? '' : t('people.total', { count: total })}
          </Typography.Text>
          <PeopleExport community={community} />
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => entry.guard(() => setAdding(true))}
            data-testid="people-add"
          >
            {t('people.add')}
          </Button>
        </Space>
      </Space>
      {list.error ? (
        <Alert type="error" showIcon title={errorMessage(list.error, lang, t('common.networkError'))} />
      ) : null}
      <div data-testid="people-table">
        <Table<Row>
          rowKey="id"
          size="middle"
          columns={columns}
          dataSource={items}
          loading={list.isLoading}
          pagination={false}
        />
      </div>
      {list.hasNextPage ? (
        <div style={{ textAlign: 'center' }}>
          <Button onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage} data-testid="people-more">
            {t('people.loadMore')}
          </Button>
        </div>
      ) : null}
      <PersonFormDrawer
        community={community}
        open={adding}
        onClose={() => setAdding(false)}
        onUndertakingMissing={entry.recheck}
      />
      {entry.modal}
    </Space>
  );
}
