'use client';

import { AimOutlined, LeftOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Input, Radio, Select } from 'antd';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { eventTypes, typeLabel } from './event-labels';
import { PhotoPicker } from './photo-picker';

interface Values {
  type: string;
  title: string;
  description?: string;
  place?: string;
  severity: 'normal' | 'high';
}

/** 上报事件: type, a one-line title, details, where (text and, if allowed, the phone's position), photos. */
export function ReportForm({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const [photos, setPhotos] = useState<string[]>([]);
  const [point, setPoint] = useState<{ lon: number; lat: number } | null>(null);
  const [geoFailed, setGeoFailed] = useState(false);
  const report = useMutation(
    trpc.events.report.mutationOptions({
      onSuccess: async (e) => {
        message.success(t('events.report.done'));
        await qc.invalidateQueries({ queryKey: trpc.events.mine.queryKey() });
        router.push(`/app/me/events/${e.id}`);
      },
    }),
  );
  const locate = () => {
    setGeoFailed(false);
    navigator.geolocation?.getCurrentPosition(
      (p) => setPoint({ lon: Number(p.coords.longitude.toFixed(6)), lat: Number(p.coords.latitude.toFixed(6)) }),
      () => setGeoFailed(true),
      { timeout: 8000 },
    );
  };
  const submit = (v: Values) =>
    report.mutate({
      community,
      type: v.type,
      title: v.title,
      description: v.description,
      severity: v.severity,
      location: v.place || point ? { text: v.place || undefined, ...(point ?? {}) } : undefined,
      photos,
    });
  return (
    <div style={{ marginTop: 8 }}>
      <Link href="/app/me/events" style={{ display: 'inline-flex', gap: 6, padding: '8px 0' }}>
        <LeftOutlined />
        {t('events.back')}
      </Link>
      <h2 style={{ margin: '8px 0 16px' }}>{t('events.report.title')}</h2>
      <Form<Values>
        layout="vertical"
        size="large"
        initialValues={{ type: 'repair', severity: 'normal' }}
        onFinish={submit}
        data-testid="event-report-form"
      >
        <Form.Item name="type" label={t('events.field.type')} rules={[{ required: true }]}>
          <Select data-testid="event-type" options={eventTypes.map((x) => ({ value: x, label: typeLabel(t, x) }))} />
        </Form.Item>
        <Form.Item
          name="title"
          label={t('events.field.title')}
          rules={[{ required: true, whitespace: true, max: 100 }]}
        >
          <Input data-testid="event-title" placeholder={t('events.field.title.placeholder')} maxLength={100} />
        </Form.Item>
        <Form.Item name="description" label={t('events.field.description')} rules={[{ max: 2000 }]}>
          <Input.TextArea data-testid="event-description" rows={3} maxLength={2000} />
        </Form.Item>
        <Form.Item name="place" label={t('events.field.location')} rules={[{ max: 200 }]}>
          <Input data-testid="event-place" placeholder={t('events.field.location.placeholder')} maxLength={200} />
        </Form.Item>
        <div style={{ marginTop: -12, marginBottom: 16 }}>
          <Button icon={<AimOutlined />} onClick={locate} data-testid="event-locate">
            {t('events.field.useLocation')}
          </Button>
          {point ? <div style={{ marginTop: 4 }}>{t('events.field.locationSet', point)}</div> : null}
          {geoFailed ? <div style={{ marginTop: 4 }}>{t('events.field.locationFailed')}</div> : null}
        </div>
        <Form.Item name="severity" label={t('events.field.severity')}>
          <Radio.Group optionType="button" buttonStyle="solid">
            <Radio.Button value="normal">{t('events.severity.normal')}</Radio.Button>
            <Radio.Button value="high">{t('events.severity.high')}</Radio.Button>
          </Radio.Group>
        </Form.Item>
        <Form.Item label={t('events.field.photos')}>
          <PhotoPicker value={photos} onChange={setPhotos} />
        </Form.Item>
        {report.error ? (
          <Alert
            type="error"
            showIcon
            data-testid="event-report-error"
            style={{ marginBottom: 16 }}
            title={errorMessage(report.error, lang, t('common.networkError'))}
          />
        ) : null}
        <Button type="primary" htmlType="submit" block loading={report.isPending} data-testid="event-submit">
          {t('events.report.submit')}
        </Button>
      </Form>
    </div>
  );
}
