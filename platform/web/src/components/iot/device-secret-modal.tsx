'use client';

import { Alert, App, Button, Descriptions, Modal } from 'antd';
import { useT } from '@/i18n/lang-provider';

export type Triple = { productKey: string; deviceName: string; deviceSecret: string };

/** The device's three values, shown once right after registration (一机一密). */
export function DeviceSecretModal({ triple, onClose }: { triple: Triple | null; onClose: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const copy = async () => {
    if (!triple) return;
    await navigator.clipboard?.writeText(JSON.stringify(triple));
    message.success(t('iot.device.secret.copied'));
  };
  return (
    <Modal
      open={triple !== null}
      title={t('iot.device.secret.title')}
      closable={false}
      maskClosable={false}
      destroyOnHidden
      footer={[
        <Button key="copy" onClick={copy}>
          {t('iot.device.secret.copy')}
        </Button>,
        <Button key="done" type="primary" onClick={onClose} data-testid="device-secret-done">
          {t('iot.device.secret.done')}
        </Button>,
      ]}
    >
      <Alert type="warning" showIcon title={t('iot.device.secret.warn')} style={{ marginBottom: 16 }} />
      {triple ? (
        <Descriptions column={1} bordered size="small">
          <Descriptions.Item label="ProductKey">
            <code>{triple.productKey}</code>
          </Descriptions.Item>
          <Descriptions.Item label="DeviceName">
            <code>{triple.deviceName}</code>
          </Descriptions.Item>
          <Descriptions.Item label="DeviceSecret">
            <code data-testid="device-secret">{triple.deviceSecret}</code>
          </Descriptions.Item>
        </Descriptions>
      ) : null}
    </Modal>
  );
}
