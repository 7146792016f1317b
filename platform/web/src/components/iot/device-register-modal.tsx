'use client';

import { useMutation } from '@tanstack/react-query';
import { Alert, Form, Input, Modal } from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import type { Triple } from './device-secret-modal';

const deviceNameRe = /^[A-Za-z0-9_.:@-]{4,32}$/;

/** Registers one device; the new secret goes to the caller to show once. */
export function DeviceRegisterModal({
  productKey,
  open,
  onClose,
  onRegistered,
}: {
  productKey: string;
  open: boolean;
  onClose: () => void;
  onRegistered: (triple: Triple) => void;
}) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const [form] = Form.useForm<{ deviceName: string; nickname?: string; location?: string; devEui?: string }>();
  const [error, setError] = useState<string | null>(null);
  const create = useMutation(trpc.iot.devices.create.mutationOptions());
  const submit = async () => {
    const v = await form.validateFields();
    setError(null);
    try {
      const r = await create.mutateAsync({
        productKey,
        deviceName: v.deviceName,
        nickname: v.nickname || undefined,
        location: v.location?.trim() || undefined,
        devEui: v.devEui?.trim() || undefined,
      });
      form.resetFields();
      onRegistered({ productKey: r.productKey, deviceName: r.deviceName, deviceSecret: r.deviceSecret });
    } catch (e) {
      setError(errorMessage(e, lang, t('common.unknownError')));
    }
  };
  return (
    <Modal
      open={open}
      title={t('iot.devices.add')}
      onCancel={onClose}
      onOk={submit}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={create.isPending}
      okButtonProps={{ 'data-testid': 'device-register-submit' } as Record<`data-${string}`, string>}
      destroyOnHidden
    >
      {error ? (
        <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="device-register-error" />
      ) : null}
      <Form form={form} layout="vertical">
        <Form.Item
          name="deviceName"
          label={t('iot.device.name')}
          extra={t('iot.device.name.hint')}
          rules={[{ required: true, pattern: deviceNameRe, message: t('iot.device.name.hint') }]}
        >
          <Input data-testid="device-name" />
        </Form.Item>
        <Form.Item name="nickname" label={t('iot.device.nickname')} rules={[{ max: 64 }]}>
          <Input />
        </Form.Item>
        <Form.Item
          name="location"
          label={t('situations.device.location')}
          extra={t('situations.device.location.hint')}
          rules={[{ max: 128 }]}
        >
          <Input data-testid="device-location" />
        </Form.Item>
        <Form.Item
          name="devEui"
          label={t('iot.device.devEui')}
          extra={t('iot.device.devEui.hint')}
          rules={[{ pattern: /^\s*([0-9a-fA-F]{2}[-:]?){7}[0-9a-fA-F]{2}\s*$/, message: t('iot.device.devEui.hint') }]}
        >
          <Input data-testid="device-dev-eui-input" style={{ fontFamily: 'monospace' }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
