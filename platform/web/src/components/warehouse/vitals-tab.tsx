'use client';

import { useQuery } from '@tanstack/react-query';
import { Button, Card, Drawer, Empty, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import type { MessageKey } from '@/i18n/lang';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { orDash, shanghaiTime } from './format';
import { live, SmallTableCard } from './parts';

type Latest = Record<string, { value?: unknown; time: string } | undefined>;

function vital(latest: Latest, id: string) {
  const v = latest[id]?.value;
  if (v && typeof v === 'object') {
    const bp = v as { systolic?: number; diastolic?: number };
    return `${orDash(bp.systolic)}/${orDash(bp.diastolic)}`;
  }
  return orDash(v);
}

/** 生命体征 (DB33 7.2.2.4.3): each monitor's latest vitals, its alerts, daily heart rate and in-bed activity. */
export function VitalsTab({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const [open, setOpen] = useState<string | null>(null);
  const list = useQuery(trpc.iot.warehouse.vitals.list.queryOptions({ community }, live));
  const inBed = (latest: Latest) => {
    const v = latest.inBed?.value;
    if (v === undefined || v === null) return '—';
    return v === true || v === 1 ? t('warehouse.vitals.inBed.yes') : t('warehouse.vitals.inBed.no');
  };
  if (list.data && list.data.length === 0) return <Empty description={t('warehouse.vitals.empty')} />;
  return (
    <>
      <Table
        data-testid="vitals-list"
        rowKey="id"
        loading={list.isPending}
        pagination={false}
        dataSource={list.data ?? []}
        columns={[
          { title: t('warehouse.col.monitor'), render: (_, m) => m.nickname ?? m.deviceName },
          { title: t('warehouse.vitals.heartRate'), render: (_, m) => vital(m.latest, 'heartRate') },
          { title: t('warehouse.vitals.respiration'), render: (_, m) => vital(m.latest, 'respiration') },
          { title: t('warehouse.vitals.spo2'), render: (_, m) => vital(m.latest, 'spo2') },
          { title: t('warehouse.vitals.bloodPressure'), render: (_, m) => vital(m.latest, 'bloodPressure') },
          { title: t('warehouse.vitals.inBed'), render: (_, m) => inBed(m.latest) },
          {
            title: t('warehouse.vitals.alerts24h'),
            dataIndex: 'alerts24h',
            render: (n: number) => (n > 0 ? <Tag color="red">{n}</Tag> : 0),
          },
          {
            title: t('warehouse.col.detail'),
            render: (_, m) => (
              <Button size="small" onClick={() => setOpen(m.id)}>
                {t('warehouse.vitals.view')}
              </Button>
            ),
          },
        ]}
      />
      <Drawer width={720} open={open !== null} onClose={() => setOpen(null)} destroyOnHidden>
        {open ? <VitalsDetail community={community} deviceId={open} /> : null}
      </Drawer>
    </>
  );
}

function VitalsDetail({ community, deviceId }: { community: string; deviceId: string }) {
  const trpc = useTRPC();
  const t = useT();
  const q = useQuery(trpc.iot.warehouse.vitals.get.queryOptions({ community, deviceId }));
  const v = q.data;
  if (!v) return null;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }} data-testid="vitals-detail">
      <Card size="small" title={v.device.nickname ?? v.device.deviceName}>
        <Space size="large" wrap>
          {(['heartRate', 'respiration', 'spo2', 'bloodPressure'] as const).map((id) => (
            <span key={id}>
              {t(`warehouse.vitals.${id}` as MessageKey)}: <b>{vital(v.latest, id)}</b>
            </span>
          ))}
        </Space>
      </Card>
      <SmallTableCard
        title={t('warehouse.vitals.events')}
        rowKey="id"
        dataSource={v.events}
        columns={[
          { title: t('warehouse.col.time'), dataIndex: 'at', render: shanghaiTime },
          {
            title: t('warehouse.col.event'),
            dataIndex: 'event',
            render: (e) => <Tag color="red">{t(`warehouse.vitals.event.${e}` as MessageKey)}</Tag>,
          },
          {
            title: t('warehouse.col.detail'),
            render: (_, e) =>
              e.event === 'abnormal'
                ? `${e.category !== null ? t(`warehouse.vitals.kind.${e.category}` as MessageKey) : ''} ${orDash(e.amount)}`
                : e.event === 'sos'
                  ? orDash(e.ref)
                  : orDash(e.amount),
          },
        ]}
      />
      <SmallTableCard
        title={t('warehouse.vitals.daily')}
        rowKey="day"
        dataSource={v.daily}
        columns={[
          { title: t('warehouse.col.day'), dataIndex: 'day' },
          {
            title: t('warehouse.vitals.heartRate'),
            render: (_, d) => (d.heartRate ? `${d.heartRate.min} / ${d.heartRate.max} / ${d.heartRate.avg}` : '—'),
          },
        ]}
      />
      <SmallTableCard
        title={t('warehouse.vitals.inBedChanges')}
        rowKey="at"
        dataSource={v.inBedChanges}
        columns={[
          { title: t('warehouse.col.time'), dataIndex: 'at', render: shanghaiTime },
          {
            title: t('warehouse.vitals.inBed'),
            dataIndex: 'inBed',
            render: (b: boolean) => (b ? t('warehouse.vitals.inBed.yes') : t('warehouse.vitals.inBed.no')),
          },
        ]}
      />
    </Space>
  );
}
