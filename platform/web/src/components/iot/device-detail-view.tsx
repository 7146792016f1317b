'use client';

import { LeftOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import { App, Card, Col, Descriptions, Empty, Row, Space, Statistic, Tag, Timeline, Typography } from 'antd';
import Link from 'next/link';
import { PageError, PageLoading } from '@/components/apps/page-state';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { DeviceCertificates } from './device-certificates';
import { DeviceCommands } from './device-commands';
import { formatReading } from './tsl-schema';
import { stamp, statusColor } from './use-iot';

/** One device: live state, its latest properties by name, online history and commands. Refreshes every 3 s. */
export function DeviceDetailView({ productKey, deviceName }: { productKey: string; deviceName: string }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const product = useQuery(trpc.iot.products.get.queryOptions({ productKey }));
  const device = useQuery({ ...trpc.iot.devices.get.queryOptions({ productKey, deviceName }), refetchInterval: 3000 });
  const { message } = App.useApp();
  const setLocation = useMutation(
    trpc.iot.devices.setLocation.mutationOptions({
      onSuccess: () => {
        message.success(t('situations.device.location.saved'));
        device.refetch();
      },
      onError: (e) => message.error(errorMessage(e, lang, t('common.networkError'))),
    }),
  );

  const setDevEui = useMutation(
    trpc.iot.devices.setDevEui.mutationOptions({
      onSuccess: () => {
        message.success(t('iot.device.devEui.saved'));
        device.refetch();
      },
      onError: (e) => message.error(errorMessage(e, lang, t('common.networkError'))),
    }),
  );

  if (product.isLoading || device.isLoading) return <PageLoading />;
  if (product.error || device.error || !product.data || !device.data)
    return <PageError error={product.error ?? device.error} />;
  const model = product.data.thingModel;
  const d = device.data;
  const reported = Object.entries(d.properties);

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Link href={`/console/devices/${productKey}`}>
        <LeftOutlined /> {t('iot.device.back')}
      </Link>
      <Descriptions title={d.nickname || d.deviceName} bordered size="small" column={3}>
        <Descriptions.Item label={t('iot.device.col.name')}>
          <code>{d.deviceName}</code>
        </Descriptions.Item>
        <Descriptions.Item label={t('iot.product.col.name')}>{product.data.name}</Descriptions.Item>
        <Descriptions.Item label={t('iot.device.col.status')}>
          <Tag color={statusColor[d.status]} data-testid="device-status">
            {t(`iot.status.${d.status}`)}
          </Tag>
        </Descriptions.Item>
        <Descriptions.Item label={t('iot.device.col.lastOnline')}>{stamp(d.lastOnlineAt, lang)}</Descriptions.Item>
        <Descriptions.Item label={t('situations.device.location')} span={2}>
          <Typography.Text
            data-testid="device-location"
            type={d.location ? undefined : 'secondary'}
            editable={{
              text: d.location ?? '',
              maxLength: 128,
              onChange: (v) => {
                const next = v.trim() || null;
                if (next !== d.location)
                  setLocation.mutate({ productKey, deviceName, location: next, expected: d.location });
              },
            }}
          >
            {d.location ?? t('situations.device.location.none')}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('iot.device.devEui')} span={3}>
          <Typography.Text
            code={Boolean(d.devEui)}
            data-testid="device-dev-eui"
            type={d.devEui ? undefined : 'secondary'}
            editable={{
              text: d.devEui ?? '',
              maxLength: 32,
              onChange: (v) => {
                const next = v.trim() || null;
                if (next !== d.devEui) setDevEui.mutate({ productKey, deviceName, devEui: next });
              },
            }}
          >
            {d.devEui ?? t('iot.device.devEui.none')}
          </Typography.Text>
        </Descriptions.Item>
      </Descriptions>
      <Card title={t('iot.device.properties')} size="small">
        {reported.length === 0 ? (
          <Empty description={t('iot.device.properties.empty')} />
        ) : (
          <Row gutter={[16, 16]} data-testid="device-properties">
            {reported.map(([id, p]) => {
              const def = model.properties.find((x) => x.identifier === id);
              return (
                <Col key={id} xs={24} sm={12} lg={6}>
                  <Card size="small" data-testid={`property-${id}`}>
                    <Statistic title={def?.name ?? id} value={formatReading(def?.dataType, p.value)} />
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {t('iot.device.reportedAt', { time: stamp(p.time, lang) })}
                    </Typography.Text>
                  </Card>
                </Col>
              );
            })}
          </Row>
        )}
      </Card>
      <Row gutter={16}>
        <Col xs={24} lg={16}>
          <DeviceCommands productKey={productKey} deviceName={deviceName} model={model} />
        </Col>
        <Col xs={24} lg={8}>
          <Card title={t('iot.device.history')} size="small">
            <Timeline
              items={d.history.map((h) => ({
                color: h.state === 'online' ? 'green' : 'gray',
                content: `${t(h.state === 'online' ? 'iot.device.history.online' : 'iot.device.history.offline')} · ${stamp(h.at, lang)}${h.reason ? ` · ${h.reason}` : ''}`,
              }))}
            />
          </Card>
        </Col>
      </Row>
      <DeviceCertificates productKey={productKey} deviceName={deviceName} />
    </Space>
  );
}
