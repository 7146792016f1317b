'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Drawer,
  Form,
  Input,
  InputNumber,
  Popconfirm,
  Select,
  Space,
  Switch,
  Typography,
} from 'antd';
import { useEffect, useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { appErrorData, errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

type Values = {
  kind: 'chirpstack' | 'tts';
  baseUrl: string;
  token?: string;
  ttsApplicationId?: string;
  ttsWebhookId?: string;
  offlineAfterMinutes: number;
  enabled: boolean;
};

/**
 * The community's LoRaWAN network server (ChirpStack v4 or The Things Stack v3): where downlinks to devices with a
 * DevEUI are queued, and how long such a device may stay silent before it is offline. The API token is write-only.
 */
export function NetworkServerDrawer({
  community,
  open,
  onClose,
}: {
  community: string;
  open: boolean;
  onClose: () => void;
}) {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<{ title: string; fields?: string[] } | null>(null);
  const stored = useQuery({ ...trpc.iot.networkServer.get.queryOptions({ community }), enabled: open });
  const kind = Form.useWatch('kind', form);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.iot.networkServer.get.queryKey({ community }) });
  const save = useMutation(trpc.iot.networkServer.set.mutationOptions());
  const remove = useMutation(
    trpc.iot.networkServer.remove.mutationOptions({
      onSuccess: () => {
        message.success(t('iot.ns.removed'));
        form.resetFields();
        refresh();
      },
      onError: (e) => message.error(errorMessage(e, lang, t('common.unknownError'))),
    }),
  );

  useEffect(() => {
    if (!open || stored.isLoading) return;
    const s = stored.data;
    form.setFieldsValue(
      s
        ? {
            kind: s.kind,
            baseUrl: s.baseUrl,
            token: undefined,
            ttsApplicationId: s.ttsApplicationId ?? undefined,
            ttsWebhookId: s.ttsWebhookId ?? undefined,
            offlineAfterMinutes: Math.round(s.offlineAfterSeconds / 60),
            enabled: s.enabled,
          }
        : { kind: 'chirpstack', offlineAfterMinutes: 30, enabled: true },
    );
  }, [open, stored.data, stored.isLoading, form]);

  const submit = async (v: Values) => {
    setError(null);
    try {
      await save.mutateAsync({
        community,
        kind: v.kind,
        baseUrl: v.baseUrl,
        token: v.token ? v.token : undefined,
        ttsApplicationId: v.kind === 'tts' ? v.ttsApplicationId : undefined,
        ttsWebhookId: v.kind === 'tts' ? v.ttsWebhookId : undefined,
        offlineAfterSeconds: v.offlineAfterMinutes * 60,
        enabled: v.enabled,
      });
      message.success(t('iot.ns.saved'));
      form.setFieldValue('token', undefined);
      refresh();
    } catch (e) {
      const fields = appErrorData(e)?.fieldErrors;
      setError({
        title: errorMessage(e, lang, t('common.unknownError')),
        fields: fields ? Object.entries(fields).map(([k, msgs]) => `${k}: ${msgs.join('; ')}`) : undefined,
      });
    }
  };

  return (
    <Drawer open={open} onClose={onClose} size={560} title={t('iot.ns.title')} destroyOnHidden>
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        <Typography.Text type="secondary">{t('iot.ns.hint')}</Typography.Text>
        {stored.error ? (
          <Alert type="error" showIcon title={errorMessage(stored.error, lang, t('common.networkError'))} />
        ) : null}
        <Form<Values> form={form} layout="vertical" onFinish={submit} data-testid="ns-form">
          {error ? (
            <Alert
              type="error"
              showIcon
              title={error.title}
              description={error.fields?.map((f) => <div key={f}>{f}</div>)}
              style={{ marginBottom: 16 }}
              data-testid="ns-form-error"
            />
          ) : null}
          <Form.Item name="kind" label={t('iot.ns.kind')} rules={[{ required: true }]}>
            <Select
              data-testid="ns-kind"
              options={[
                { value: 'chirpstack', label: 'ChirpStack v4' },
                { value: 'tts', label: 'The Things Stack v3' },
              ]}
            />
          </Form.Item>
          <Form.Item
            name="baseUrl"
            label={t('iot.ns.baseUrl')}
            extra={t(kind === 'tts' ? 'iot.ns.baseUrl.tts' : 'iot.ns.baseUrl.chirpstack')}
            rules={[{ required: true, max: 512 }]}
          >
            <Input data-testid="ns-base-url" />
          </Form.Item>
          {kind === 'tts' ? (
            <>
              <Form.Item name="ttsApplicationId" label={t('iot.ns.ttsApplicationId')} rules={[{ required: true }]}>
                <Input data-testid="ns-tts-app" />
              </Form.Item>
              <Form.Item name="ttsWebhookId" label={t('iot.ns.ttsWebhookId')} rules={[{ required: true }]}>
                <Input data-testid="ns-tts-webhook" />
              </Form.Item>
            </>
          ) : null}
          <Form.Item
            name="token"
            label={t('iot.ns.token')}
            extra={stored.data ? t('iot.ns.token.kept') : undefined}
            rules={[{ required: !stored.data, whitespace: true }]}
          >
            <Input.Password
              autoComplete="new-password"
              placeholder={stored.data ? stored.data.token : undefined}
              data-testid="ns-token"
            />
          </Form.Item>
          <Form.Item name="offlineAfterMinutes" label={t('iot.ns.offlineAfter')} extra={t('iot.ns.offlineAfter.hint')}>
            <InputNumber min={1} max={10080} precision={0} data-testid="ns-offline-after" />
          </Form.Item>
          <Form.Item name="enabled" label={t('iot.ns.enabled')} valuePropName="checked">
            <Switch data-testid="ns-enabled" />
          </Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" loading={save.isPending} data-testid="ns-submit">
              {t('common.save')}
            </Button>
            {stored.data ? (
              <Popconfirm title={t('iot.ns.remove.confirm')} onConfirm={() => remove.mutate({ community })}>
                <Button danger loading={remove.isPending} data-testid="ns-remove">
                  {t('iot.ns.remove')}
                </Button>
              </Popconfirm>
            ) : null}
            <Button onClick={onClose}>{t('common.cancel')}</Button>
          </Space>
        </Form>
      </Space>
    </Drawer>
  );
}
