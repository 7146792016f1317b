'use client';

import { ArrowLeftOutlined, EditOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Skeleton, Space, Table, Tag } from 'antd';
import Link from 'next/link';
import { useMemo } from 'react';
import { useRecordEdit } from '@/components/people/record-edit';
import { RecordHistory } from '@/components/people/record-history';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import {
  HOUSE_EDITABLE,
  houseEditSchema,
  houseEditUiSchema,
  houseFieldTitle,
  ownershipLabel,
} from '@/lib/house-schema';
import { useTRPC } from '@/lib/trpc';

const roleColour: Record<string, string> = { owner: 'gold', family: 'blue', tenant: 'green', other: 'default' };

/** One house: address, attributes and Beidou grid code; who lives there (masked); their vehicles; history; edit. */
export function HouseDetail({ community, id }: { community: string; id: string }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const house = useQuery(trpc.base.houses.get.queryOptions({ community, id }));
  const update = useMutation(trpc.base.houses.update.mutationOptions());
  const uiSchema = useMemo(() => houseEditUiSchema(t('houses.save')), [t]);
  const edit = useRecordEdit({
    editable: HOUSE_EDITABLE,
    schema: houseEditSchema,
    uiSchema,
    title: t('houses.edit'),
    savedMessage: t('houses.saved'),
    testId: 'house-edit-drawer',
    pending: update.isPending,
    save: async (patch) => {
      const r = house.data;
      if (!r) return;
      await update.mutateAsync({ community, id, version: r.version, patch });
      await qc.invalidateQueries({ queryKey: trpc.base.houses.pathKey() });
    },
  });

  if (house.error) {
    return <Alert type="error" showIcon title={errorMessage(house.error, lang, t('common.networkError'))} />;
  }
  const h = house.data;
  if (!h) return <Skeleton active />;

  const open = () => edit.open(h);

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Link href="/console/houses">
        <ArrowLeftOutlined /> {t('houses.back')}
      </Link>
      <Card
        title={
          <span data-testid="house-address">
            {t('houses.address', { compound: h.compound, building: h.building, unit: h.unit, room: h.room })}
          </span>
        }
        extra={
          <Button icon={<EditOutlined />} onClick={open} data-testid="house-edit">
            {t('houses.edit')}
          </Button>
        }
      >
        <Descriptions column={2} bordered size="small">
          <Descriptions.Item label={t('houses.col.layout')}>
            <span data-testid="house-layout">{h.layout ?? ''}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('houses.col.area')}>
            <span data-testid="house-area">{h.area == null ? '' : `${h.area} ㎡`}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('houses.col.ownership')}>{ownershipLabel(h.ownership, lang)}</Descriptions.Item>
          <Descriptions.Item label={t('houses.col.buildingCode')}>{h.buildingCode ?? ''}</Descriptions.Item>
          <Descriptions.Item label={t('houses.col.gridCode')} span={2}>
            {h.gridCode ? <code data-testid="house-grid-code">{h.gridCode}</code> : t('houses.noGridCode')}
          </Descriptions.Item>
        </Descriptions>
      </Card>
      <Card title={t('houses.occupants')}>
        <div data-testid="house-occupants">
          <Table
            rowKey={(o) => `${o.personId}/${o.role}`}
            size="small"
            pagination={false}
            dataSource={h.occupants}
            locale={{ emptyText: t('houses.noOccupants') }}
            columns={[
              {
                title: t('people.col.name'),
                key: 'name',
                render: (_, o) => <Link href={`/console/people/${o.personId}`}>{o.name}</Link>,
              },
              {
                title: t('houses.col.role'),
                dataIndex: 'role',
                render: (r: string) => (
                  <Tag color={roleColour[r] ?? 'default'}>{t(`houses.role.${r}` as 'houses.role.owner')}</Tag>
                ),
              },
              { title: t('people.col.idNumber'), dataIndex: 'idNumber', render: (v: string) => <code>{v}</code> },
              { title: t('people.col.phone'), dataIndex: 'phone', render: (v: string | null) => v ?? '' },
              { title: t('houses.col.since'), dataIndex: 'validFrom' },
            ]}
          />
        </div>
      </Card>
      <Card title={t('houses.vehicles')}>
        <div data-testid="house-vehicles">
          <Table
            rowKey="id"
            size="small"
            pagination={false}
            dataSource={h.vehicles}
            locale={{ emptyText: t('houses.noVehicles') }}
            columns={[
              {
                title: t('houses.col.plate'),
                key: 'plate',
                render: (_, c) => <Link href={`/console/vehicles/${c.id}`}>{c.plate}</Link>,
              },
              { title: t('houses.col.plateColour'), dataIndex: 'plateColour' },
              { title: t('houses.col.owner'), dataIndex: 'owner' },
              { title: t('houses.col.parking'), dataIndex: 'parkingSpace' },
            ]}
          />
        </div>
      </Card>
      <RecordHistory history={h.history} testId="house-history" fieldTitle={houseFieldTitle} />
      {edit.drawer}
    </Space>
  );
}
