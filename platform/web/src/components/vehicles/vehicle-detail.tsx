'use client';

import { ArrowLeftOutlined, EditOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Skeleton, Space, Tag } from 'antd';
import Link from 'next/link';
import { useMemo } from 'react';
import { useRecordEdit } from '@/components/people/record-edit';
import { RecordHistory } from '@/components/people/record-history';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import {
  VEHICLE_EDITABLE,
  vehicleEditSchema,
  vehicleEditUiSchema,
  vehicleEnumLabel,
  vehicleFieldTitle,
} from '@/lib/vehicle-schema';

/** One vehicle: plate, kind, energy, owner (masked), compound and parking; its history; edit from the schema. */
export function VehicleDetail({ community, id }: { community: string; id: string }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const vehicle = useQuery(trpc.base.vehicles.get.queryOptions({ community, id }));
  const update = useMutation(trpc.base.vehicles.update.mutationOptions());
  const uiSchema = useMemo(() => vehicleEditUiSchema(t('vehicles.save')), [t]);
  const edit = useRecordEdit({
    editable: VEHICLE_EDITABLE,
    schema: vehicleEditSchema,
    uiSchema,
    title: t('vehicles.edit'),
    savedMessage: t('vehicles.saved'),
    testId: 'vehicle-edit-drawer',
    pending: update.isPending,
    save: async (patch) => {
      const r = vehicle.data;
      if (!r) return;
      await update.mutateAsync({ community, id, version: r.version, patch });
      await qc.invalidateQueries({ queryKey: trpc.base.vehicles.pathKey() });
    },
  });

  if (vehicle.error) {
    return <Alert type="error" showIcon title={errorMessage(vehicle.error, lang, t('common.networkError'))} />;
  }
  const v = vehicle.data;
  if (!v) return <Skeleton active />;

  const open = () => edit.open(v);

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Link href="/console/vehicles">
        <ArrowLeftOutlined /> {t('vehicles.back')}
      </Link>
      <Card
        title={<span data-testid="vehicle-plate">{v.plate}</span>}
        extra={
          <Button icon={<EditOutlined />} onClick={open} data-testid="vehicle-edit">
            {t('vehicles.edit')}
          </Button>
        }
      >
        <Descriptions column={2} bordered size="small">
          <Descriptions.Item label={t('vehicles.col.plateColour')}>
            {vehicleEnumLabel('plateColour', v.plateColour, lang)}
          </Descriptions.Item>
          <Descriptions.Item label={t('vehicles.col.kind')}>
            <span data-testid="vehicle-kind">{vehicleEnumLabel('kind', v.kind, lang)}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('vehicles.col.energy')}>
            {v.energy === 'new' ? <Tag color="green">{t('vehicles.energy.new')}</Tag> : t('vehicles.energy.fuel')}
          </Descriptions.Item>
          <Descriptions.Item label={t('vehicles.col.compound')}>{v.compound ?? ''}</Descriptions.Item>
          <Descriptions.Item label={t('vehicles.col.owner')}>
            {v.ownerPersonId ? (
              <Link href={`/console/people/${v.ownerPersonId}`} data-testid="vehicle-owner">
                {v.owner}
              </Link>
            ) : (
              t('vehicles.noOwner')
            )}
          </Descriptions.Item>
          <Descriptions.Item label={t('vehicles.col.ownerId')}>
            {v.ownerIdNumber ? <code data-testid="vehicle-owner-id">{v.ownerIdNumber}</code> : ''}
          </Descriptions.Item>
          <Descriptions.Item label={t('vehicles.col.ownerPhone')}>{v.ownerPhone ?? ''}</Descriptions.Item>
          <Descriptions.Item label={t('vehicles.col.parking')}>
            <span data-testid="vehicle-parking">{v.parkingSpace ?? ''}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('vehicles.col.brand')}>
            <span data-testid="vehicle-brand">{v.brand ?? ''}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('vehicles.col.bodyColour')}>{v.bodyColour ?? ''}</Descriptions.Item>
          {v.kind === 'temporary' ? (
            <Descriptions.Item label={t('vehicles.col.parkingMinutes')}>
              {v.parkingMinutes == null ? '' : t('vehicles.minutes', { n: v.parkingMinutes })}
            </Descriptions.Item>
          ) : null}
        </Descriptions>
      </Card>
      <RecordHistory history={v.history} testId="vehicle-history" fieldTitle={vehicleFieldTitle} />
      {edit.drawer}
    </Space>
  );
}
