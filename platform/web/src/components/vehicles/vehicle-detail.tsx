'use client';

import { ArrowLeftOutlined, EditOutlined } from '@ant-design/icons';
import Form from '@rjsf/antd';
import type { ErrorSchema } from '@rjsf/utils';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Descriptions, Drawer, Skeleton, Space, Tag } from 'antd';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { rjsfStrings } from '@/components/apps/rjsf-zh';
import { type PersonData, toErrorSchema, validators } from '@/components/people/person-form-shared';
import { RecordHistory } from '@/components/people/record-history';
import { useLang, useT } from '@/i18n/lang-provider';
import { appErrorData, errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import {
  VEHICLE_EDITABLE,
  vehicleEditSchema,
  vehicleEditUiSchema,
  vehicleEnumLabel,
  vehicleFieldTitle,
} from '@/lib/vehicle-schema';
import { useEntryGuard } from '../entry/use-entry-guard';

/** One vehicle: plate, kind, energy, owner (masked), compound and parking; its history; edit from the schema. */
export function VehicleDetail({ community, id }: { community: string; id: string }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const vehicle = useQuery(trpc.base.vehicles.get.queryOptions({ community, id }));
  const [editing, setEditing] = useState(false);
  const [formData, setFormData] = useState<PersonData>({});
  const [extraErrors, setExtraErrors] = useState<ErrorSchema<PersonData> | undefined>();
  const entry = useEntryGuard();
  const update = useMutation(trpc.base.vehicles.update.mutationOptions());
  const uiSchema = useMemo(() => vehicleEditUiSchema(t('vehicles.save')), [t]);

  if (vehicle.error) {
    return <Alert type="error" showIcon title={errorMessage(vehicle.error, lang, t('common.networkError'))} />;
  }
  const v = vehicle.data;
  if (!v) return <Skeleton active />;

  const open = () =>
    entry.guard(() => {
      setExtraErrors(undefined);
      setFormData(
        Object.fromEntries(VEHICLE_EDITABLE.filter((k) => v[k] != null && v[k] !== '').map((k) => [k, v[k]])),
      );
      setEditing(true);
    });
  const save = async (data: PersonData) => {
    setExtraErrors(undefined);
    const patch = Object.fromEntries(VEHICLE_EDITABLE.map((k) => [k, data[k] ?? null]));
    try {
      await update.mutateAsync({ community, id, version: v.version, patch });
      message.success(t('vehicles.saved'));
      setEditing(false);
      await qc.invalidateQueries({ queryKey: trpc.base.vehicles.pathKey() });
    } catch (e) {
      const fields = appErrorData(e)?.fieldErrors;
      if (fields && Object.keys(fields).length) setExtraErrors(toErrorSchema(fields, lang));
      else message.error(errorMessage(e, lang, t('common.unknownError')));
    }
  };

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
      <Drawer
        open={editing}
        onClose={() => setEditing(false)}
        title={t('vehicles.edit')}
        size="large"
        destroyOnHidden
        data-testid="vehicle-edit-drawer"
      >
        <Form
          schema={vehicleEditSchema}
          uiSchema={uiSchema}
          validator={validators[lang]}
          translateString={rjsfStrings(lang)}
          formData={formData}
          onChange={(e) => setFormData(e.formData ?? {})}
          extraErrors={extraErrors}
          noHtml5Validate
          showErrorList={false}
          disabled={update.isPending}
          onSubmit={(e) => void save(e.formData ?? {})}
        />
      </Drawer>
      {entry.modal}
    </Space>
  );
}
