'use client';

import { PlusOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Input, Select, Space, Table, type TableColumnsType, Tag } from 'antd';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useMemo, useState } from 'react';
import { useRecordEdit } from '@/components/people/record-edit';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import {
  type NamedKind,
  namedCreateSchema,
  namedEnum,
  namedEnumLabel,
  namedFields,
  namedKinds,
  namedUiSchema,
} from '@/lib/named-schema';
import { useTRPC, useTRPCClient } from '@/lib/trpc';

const PAGE_SIZE = 30;
const statusColour: Record<string, string> = {
  normal: 'green',
  fault: 'red',
  maintenance: 'orange',
  retired: 'default',
};

/**
 * 公共空间 / 设施设备: the community's spaces or facilities in name order, by name prefix, type and (facilities)
 * status; one registered from the schema in a drawer, then opened.
 */
export function NamedRecordsView({ community, kind }: { community: string; kind: NamedKind }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const router = useRouter();
  const k = namedKinds[kind];
  const api = k.api === 'spaces' ? client.base.spaces : client.base.facilities;
  const [name, setName] = useState<string | undefined>();
  const [type, setType] = useState<string | undefined>();
  const [status, setStatus] = useState<string | undefined>();
  const list = useInfiniteQuery({
    queryKey: [...trpc.base[k.api].list.queryKey(), community, name, type, status],
    queryFn: ({ pageParam }) =>
      api.list.query({ community, name, type, status, after: pageParam ?? undefined, limit: PAGE_SIZE }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const create = useMutation({
    mutationFn: (record: Record<string, unknown>) => api.create.mutate({ community, record }),
  });
  const title = useCallback((f: string) => t(`named.field.${f}` as MessageKey), [t]);
  const schema = useMemo(() => namedCreateSchema(kind), [kind]);
  const uiSchema = useMemo(() => namedUiSchema(kind, lang, title, t('named.save')), [kind, lang, t, title]);
  const register = useRecordEdit({
    editable: namedFields(kind),
    schema,
    uiSchema,
    title: t(`named.${kind}.new`),
    savedMessage: t('named.created'),
    testId: `${kind}-create-drawer`,
    pending: create.isPending,
    save: async (patch) => {
      const record = Object.fromEntries(Object.entries(patch).filter(([, v]) => v != null && v !== ''));
      const made = await create.mutateAsync(record);
      await qc.invalidateQueries({ queryKey: trpc.base[k.api].pathKey() });
      router.push(`${k.route}/${made.id}`);
    },
  });

  type Row = NonNullable<typeof list.data>['pages'][number]['items'][number];
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const columns: TableColumnsType<Row> = [
    {
      title: title('name'),
      key: 'name',
      render: (_, r) => (
        <Link href={`${k.route}/${r.id}`} data-testid={`${kind}-link`}>
          {r.name}
        </Link>
      ),
    },
    {
      title: title(k.typeField),
      key: 'type',
      render: (_, r) => <Tag>{namedEnumLabel(kind, k.typeField, r.fields[k.typeField] as string, lang)}</Tag>,
    },
    ...(k.hasStatus
      ? [
          {
            title: title('status'),
            key: 'status',
            render: (_: unknown, r: Row) => {
              const s = r.fields.status as string;
              return (
                <Tag color={statusColour[s]} data-testid={`${kind}-status`}>
                  {namedEnumLabel(kind, 'status', s, lang)}
                </Tag>
              );
            },
          },
        ]
      : []),
    { title: title('location'), key: 'location', render: (_, r) => String(r.fields.location ?? '') },
    {
      title: t('named.col.updatedAt'),
      key: 'updatedAt',
      render: (_, r) => new Date(r.updatedAt).toLocaleString(lang),
    },
  ];
  const enumOptions = (field: string) =>
    namedEnum(kind, field).map((v) => ({ value: v, label: namedEnumLabel(kind, field, v, lang) }));

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Space wrap>
        <Input.Search
          allowClear
          placeholder={t('named.filter.name')}
          style={{ width: 220 }}
          onSearch={(v) => setName(v.trim() || undefined)}
          data-testid={`${kind}-filter-name`}
        />
        <Select
          allowClear
          placeholder={t('named.filter.type')}
          style={{ width: 200 }}
          value={type}
          onChange={setType}
          options={enumOptions(k.typeField)}
          data-testid={`${kind}-filter-type`}
        />
        {k.hasStatus ? (
          <Select
            allowClear
            placeholder={t('named.filter.status')}
            style={{ width: 160 }}
            value={status}
            onChange={setStatus}
            options={enumOptions('status')}
            data-testid={`${kind}-filter-status`}
          />
        ) : null}
        <Button type="primary" icon={<PlusOutlined />} onClick={() => register.open({})} data-testid={`${kind}-new`}>
          {t(`named.${kind}.new`)}
        </Button>
      </Space>
      {list.error ? (
        <Alert type="error" showIcon title={errorMessage(list.error, lang, t('common.networkError'))} />
      ) : null}
      <div data-testid={`${kind}-table`}>
        <Table<Row>
          rowKey="id"
          size="middle"
          columns={columns}
          dataSource={items}
          loading={list.isLoading}
          pagination={false}
          locale={{ emptyText: t(`named.${kind}.empty`) }}
        />
      </div>
      {list.hasNextPage ? (
        <div style={{ textAlign: 'center' }}>
          <Button onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage} data-testid={`${kind}-more`}>
            {t('people.loadMore')}
          </Button>
        </div>
      ) : null}
      {register.drawer}
    </Space>
  );
}
