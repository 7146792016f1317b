'use client';

import { PlusOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Input, Select, Space, Table, type TableColumnsType, Tag } from 'antd';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMemo, useState } from 'react';
import { useRecordEdit } from '@/components/people/record-edit';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC, useTRPCClient } from '@/lib/trpc';
import { VEHICLE_FIELDS, vehicleCreateSchema, vehicleEditUiSchema, vehicleEnumLabel } from '@/lib/vehicle-schema';

const PAGE_SIZE = 30;

/** 车辆管理: the community's resident and temporary vehicles in plate order, by plate prefix and kind. */
export function VehiclesView({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [plate, setPlate] = useState<string | undefined>();
  const [kind, setKind] = useState<'resident' | 'temporary' | undefined>();
  const list = useInfiniteQuery({
    queryKey: [...trpc.base.vehicles.list.queryKey(), community, plate, kind],
    queryFn: ({ pageParam }) =>
      client.base.vehicles.list.query({ community, plate, kind, after: pageParam ?? undefined, limit: PAGE_SIZE }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const qc = useQueryClient();
  const router = useRouter();
  const create = useMutation(trpc.base.vehicles.create.mutationOptions());
  const uiSchema = useMemo(() => vehicleEditUiSchema(t('vehicles.save'), VEHICLE_FIELDS), [t]);
  // 线下登记: one vehicle by hand, from the whole schema; the server checks GA 36, the compound and the owner.
  const register = useRecordEdit({
    editable: VEHICLE_FIELDS,
    schema: vehicleCreateSchema,
    uiSchema,
    title: t('vehicles.new'),
    savedMessage: t('vehicles.created'),
    testId: 'vehicle-create-drawer',
    pending: create.isPending,
    save: async (patch) => {
      const vehicle = Object.fromEntries(Object.entries(patch).filter(([, v]) => v != null && v !== ''));
      const made = await create.mutateAsync({ community, vehicle });
      await qc.invalidateQueries({ queryKey: trpc.base.vehicles.pathKey() });
      router.push(`/console/vehicles/${made.id}`);
    },
  });
  type Row = NonNullable<typeof list.data>['pages'][number]['items'][number];
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  const columns: TableColumnsType<Row> = [
    {
      title: t('vehicles.col.plate'),
      key: 'plate',
      render: (_, v) => (
        <Link href={`/console/vehicles/${v.id}`} data-testid="vehicle-link">
          {v.plate}
        </Link>
      ),
    },
    {
      title: t('vehicles.col.plateColour'),
      dataIndex: 'plateColour',
      render: (c: string) => vehicleEnumLabel('plateColour', c, lang),
    },
    {
      title: t('vehicles.col.kind'),
      dataIndex: 'kind',
      render: (k: Row['kind']) => (
        <Tag color={k === 'resident' ? 'blue' : 'default'}>{vehicleEnumLabel('kind', k, lang)}</Tag>
      ),
    },
    {
      title: t('vehicles.col.energy'),
      dataIndex: 'energy',
      render: (e: Row['energy']) =>
        e === 'new' ? <Tag color="green">{t('vehicles.energy.new')}</Tag> : t('vehicles.energy.fuel'),
    },
    { title: t('vehicles.col.owner'), dataIndex: 'owner', render: (v: string | null) => v ?? '' },
    { title: t('vehicles.col.compound'), dataIndex: 'compound', render: (v: string | null) => v ?? '' },
    { title: t('vehicles.col.parking'), dataIndex: 'parkingSpace', render: (v: string | null) => v ?? '' },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Space wrap>
        <Input.Search
          allowClear
          placeholder={t('vehicles.filter.plate')}
          style={{ width: 220 }}
          onSearch={(v) => setPlate(v.trim() || undefined)}
          data-testid="vehicles-plate"
        />
        <Select
          allowClear
          placeholder={t('vehicles.filter.kind')}
          style={{ width: 160 }}
          value={kind}
          onChange={setKind}
          options={(['resident', 'temporary'] as const).map((k) => ({
            value: k,
            label: vehicleEnumLabel('kind', k, lang),
          }))}
          data-testid="vehicles-kind"
        />
        <Button type="primary" icon={<PlusOutlined />} onClick={() => register.open({})} data-testid="vehicles-new">
          {t('vehicles.new')}
        </Button>
      </Space>
      {list.error ? (
        <Alert type="error" showIcon title={errorMessage(list.error, lang, t('common.networkError'))} />
      ) : null}
      <div data-testid="vehicles-table">
        <Table<Row>
          rowKey="id"
          size="middle"
          columns={columns}
          dataSource={items}
          loading={list.isLoading}
          pagination={false}
          locale={{ emptyText: t('vehicles.empty') }}
        />
      </div>
      {list.hasNextPage ? (
        <div style={{ textAlign: 'center' }}>
          <Button onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage} data-testid="vehicles-more">
            {t('people.loadMore')}
          </Button>
        </div>
      ) : null}
      {register.drawer}
    </Space>
  );
}
