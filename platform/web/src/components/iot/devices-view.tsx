'use client';

import { LeftOutlined, PlusOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Descriptions,
  Input,
  Popconfirm,
  Space,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import Link from 'next/link';
import { useState } from 'react';
import { PageError, PageLoading } from '@/components/apps/page-state';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC, useTRPCClient } from '@/lib/trpc';
import { DeviceRegisterModal } from './device-register-modal';
import { DeviceSecretModal, type Triple } from './device-secret-modal';
import { ProductCodec } from './product-codec';
import { type DeviceRow, stamp, statusColor } from './use-iot';

const PAGE_SIZE = 100;

/** One product: its thing model at a glance and its devices with their live state. */
export function DevicesView({ productKey }: { productKey: string }) {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [registering, setRegistering] = useState(false);
  const [triple, setTriple] = useState<Triple | null>(null);
  const product = useQuery(trpc.iot.products.get.queryOptions({ productKey }));
  const client = useTRPCClient();
  const [prefix, setPrefix] = useState('');
  // A page of 100 names at a time (keyset), refreshed every 5 s for live states; the count covers the whole product.
  const devicesKey = ['iot.devices.pages', productKey, prefix];
  const devices = useInfiniteQuery({
    queryKey: devicesKey,
    queryFn: ({ pageParam }) =>
      client.iot.devices.list.query({
        productKey,
        prefix: prefix || undefined,
        after: pageParam ?? undefined,
        limit: PAGE_SIZE,
      }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: 5000,
  });
  const count = useQuery({ ...trpc.iot.devices.count.queryOptions({ productKey }), refetchInterval: 5000 });
  const rows = devices.data?.pages.flatMap((p) => p.items) ?? [];
  const refresh = () =>
    Promise.all([
      qc.invalidateQueries({ queryKey: ['iot.devices.pages', productKey] }),
      qc.invalidateQueries({ queryKey: trpc.iot.devices.count.queryKey({ productKey }) }),
    ]);
  const fail = (e: unknown) => message.error(errorMessage(e, lang, t('common.unknownError')));
  const setEnabled = useMutation(trpc.iot.devices.setEnabled.mutationOptions({ onSuccess: refresh, onError: fail }));
  const rotate = useMutation(
    trpc.iot.devices.rotateSecret.mutationOptions({
      onSuccess: (r) => setTriple({ productKey, deviceName: r.deviceName, deviceSecret: r.deviceSecret }),
      onError: fail,
    }),
  );

  if (product.isLoading) return <PageLoading />;
  if (product.error || !product.data) return <PageError error={product.error} />;
  const p = product.data;
  const tm = p.thingModel;

  const columns: TableColumnsType<DeviceRow> = [
    {
      title: t('iot.device.col.name'),
      dataIndex: 'deviceName',
      render: (name: string) => (
        <Link href={`/console/devices/${productKey}/${encodeURIComponent(name)}`}>
          <code>{name}</code>
        </Link>
      ),
    },
    { title: t('iot.device.col.nickname'), dataIndex: 'nickname', render: (v: string | null) => v ?? '' },
    {
      title: t('iot.device.col.status'),
      dataIndex: 'status',
      render: (s: DeviceRow['status'], r) => (
        <Tag color={statusColor[s]} data-testid={`device-status-${r.deviceName}`}>
          {t(`iot.status.${s}`)}
        </Tag>
      ),
    },
    { title: t('iot.device.col.lastOnline'), dataIndex: 'lastOnlineAt', render: (v: string | null) => stamp(v, lang) },
    {
      title: t('iot.device.col.actions'),
      key: 'actions',
      render: (_: unknown, r) => (
        <Space>
          {r.status === 'disabled' ? (
            <Button
              size="small"
              onClick={() => setEnabled.mutate({ productKey, deviceName: r.deviceName, enabled: true })}
            >
              {t('iot.device.enable')}
            </Button>
          ) : (
            <Popconfirm
              title={t('iot.device.disable.confirm')}
              onConfirm={() => setEnabled.mutate({ productKey, deviceName: r.deviceName, enabled: false })}
            >
              <Button size="small" danger>
                {t('iot.device.disable')}
              </Button>
            </Popconfirm>
          )}
          <Popconfirm
            title={t('iot.device.rotate.confirm')}
            onConfirm={() => rotate.mutate({ productKey, deviceName: r.deviceName, graceMinutes: 60 })}
          >
            <Button size="small">{t('iot.device.rotate')}</Button>
          </Popconfirm>
        </Space>
      ),
    },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Link href="/console/devices">
        <LeftOutlined /> {t('iot.product.back')}
      </Link>
      <Descriptions title={p.name} bordered size="small" column={2} data-testid="product-detail">
        <Descriptions.Item label={t('iot.product.col.key')}>
          <code data-testid="product-key">{p.productKey}</code>
        </Descriptions.Item>
        <Descriptions.Item label={t('iot.product.col.nodeType')}>
          {t(p.nodeType === 'gateway' ? 'iot.nodeType.gateway' : 'iot.nodeType.device')}
        </Descriptions.Item>
        <Descriptions.Item label={t('iot.product.properties')} span={2}>
          {tm.properties.map((x) => (
            <Tag key={x.identifier} title={x.identifier}>
              {x.name}
            </Tag>
          ))}
        </Descriptions.Item>
        <Descriptions.Item label={t('iot.product.services')}>
          {tm.services.map((x) => (
            <Tag key={x.identifier}>{x.name}</Tag>
          ))}
        </Descriptions.Item>
        <Descriptions.Item label={t('iot.product.events')}>
          {tm.events.map((x) => (
            <Tag key={x.identifier} color={x.type === 'alert' ? 'orange' : x.type === 'error' ? 'red' : undefined}>
              {x.name}
            </Tag>
          ))}
        </Descriptions.Item>
      </Descriptions>
      <ProductCodec productKey={productKey} />
      <Space style={{ width: '100%', justifyContent: 'space-between' }} wrap>
        <Input.Search
          allowClear
          placeholder={t('iot.devices.search')}
          onSearch={(v) => setPrefix(v.trim())}
          style={{ width: 320 }}
          data-testid="device-search"
        />
        <Typography.Text type="secondary" data-testid="device-count">
          {count.data ? t('iot.devices.count', { total: count.data.total, online: count.data.online }) : ''}
        </Typography.Text>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setRegistering(true)} data-testid="device-add">
          {t('iot.devices.add')}
        </Button>
      </Space>
      {devices.error ? (
        <Alert type="error" showIcon title={errorMessage(devices.error, lang, t('common.networkError'))} />
      ) : null}
      <div data-testid="device-table">
        <Table<DeviceRow>
          rowKey="deviceName"
          size="middle"
          columns={columns}
          dataSource={rows}
          loading={devices.isLoading}
          locale={{ emptyText: t('iot.devices.empty') }}
          pagination={false}
        />
      </div>
      {devices.hasNextPage ? (
        <div style={{ textAlign: 'center' }}>
          <Button
            onClick={() => devices.fetchNextPage()}
            loading={devices.isFetchingNextPage}
            data-testid="device-more"
          >
            {t('iot.devices.more')}
          </Button>
        </div>
      ) : null}
      <DeviceRegisterModal
        productKey={productKey}
        open={registering}
        onClose={() => setRegistering(false)}
        onRegistered={(x) => {
          setRegistering(false);
          setTriple(x);
          refresh();
        }}
      />
      <DeviceSecretModal triple={triple} onClose={() => setTriple(null)} />
    </Space>
  );
}
