'use client';

import { DownloadOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Space,
  Switch,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { stamp } from './use-iot';

type Api = ReturnType<typeof useTRPC>;
type Issued = inferOutput<Api['iot']['devices']['certificates']['issue']>;
type CertRow = inferOutput<Api['iot']['devices']['certificates']['list']>['certificates'][number];

const statusColor: Record<CertRow['status'], string> = { valid: 'green', expired: 'default', revoked: 'red' };

/** Saves text as a file in the browser (certificate and key files for the device). */
function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-pem-file' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

/**
 * A device's X.509 client certificates (DB33 9.2.1.1): issue one (the platform makes the key, shown once, or from the
 * device's own certificate request), revoke one, and switch certificate-only access.
 */
export function DeviceCertificates({ productKey, deviceName }: { productKey: string; deviceName: string }) {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const list = useQuery(trpc.iot.devices.certificates.list.queryOptions({ productKey, deviceName }));
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.iot.devices.certificates.list.queryKey() });
  const issue = useMutation(trpc.iot.devices.certificates.issue.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(trpc.iot.devices.certificates.revoke.mutationOptions({ onSuccess: refresh }));
  const required = useMutation(trpc.iot.devices.certificates.setRequired.mutationOptions({ onSuccess: refresh }));
  const [asking, setAsking] = useState(false);
  const [issued, setIssued] = useState<Issued | null>(null);
  const [form] = Form.useForm<{ csrPem?: string; days?: number }>();

  const submit = async () => {
    const v = await form.validateFields();
    try {
      const r = await issue.mutateAsync({
        productKey,
        deviceName,
        csrPem: v.csrPem?.trim() || undefined,
        days: v.days,
      });
      setAsking(false);
      form.resetFields();
      setIssued(r);
    } catch (err) {
      message.error(errorMessage(err, lang, t('iot.cert.failed')));
    }
  };

  const act = async (p: Promise<unknown>, done: string) => {
    try {
      await p;
      message.success(done);
    } catch (err) {
      message.error(errorMessage(err, lang, t('iot.cert.failed')));
    }
  };

  return (
    <Card
      size="small"
      title={
        <Space>
          <SafetyCertificateOutlined />
          {t('iot.cert.title')}
        </Space>
      }
      extra={
        <Space>
          <Typography.Text>{t('iot.cert.required')}</Typography.Text>
          <Switch
            data-testid="cert-required"
            checked={list.data?.requireCertificate ?? false}
            loading={required.isPending}
            onChange={(on) =>
              act(
                required.mutateAsync({ productKey, deviceName, required: on }),
                t(on ? 'iot.cert.required.on' : 'iot.cert.required.off'),
              )
            }
          />
          <Button type="primary" data-testid="cert-issue" onClick={() => setAsking(true)}>
            {t('iot.cert.issue')}
          </Button>
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">{t('iot.cert.hint')}</Typography.Paragraph>
      <Table<CertRow>
        rowKey="serial"
        size="small"
        loading={list.isLoading}
        dataSource={list.data?.certificates ?? []}
        pagination={false}
        locale={{ emptyText: t('iot.cert.empty') }}
        data-testid="cert-table"
        columns={[
          { title: t('iot.cert.col.serial'), dataIndex: 'serial', render: (s: string) => <code>{s}</code> },
          {
            title: t('iot.cert.col.status'),
            dataIndex: 'status',
            render: (s: CertRow['status']) => (
              <Tag color={statusColor[s]} data-testid="cert-status">
                {t(`iot.cert.status.${s}`)}
              </Tag>
            ),
          },
          { title: t('iot.cert.col.notAfter'), dataIndex: 'notAfter', render: (v: string) => stamp(v, lang) },
          {
            title: t('iot.cert.col.keySource'),
            dataIndex: 'keySource',
            render: (k: CertRow['keySource']) => t(`iot.cert.key.${k}`),
          },
          {
            title: t('iot.device.col.actions'),
            key: 'actions',
            render: (_: unknown, c: CertRow) =>
              c.status === 'valid' ? (
                <Popconfirm
                  title={t('iot.cert.revoke.confirm')}
                  onConfirm={() =>
                    act(revoke.mutateAsync({ productKey, deviceName, serial: c.serial }), t('iot.cert.revoke.done'))
                  }
                >
                  <Button danger size="small" data-testid="cert-revoke">
                    {t('iot.cert.revoke')}
                  </Button>
                </Popconfirm>
              ) : null,
          },
        ]}
      />
      <Modal
        open={asking}
        title={t('iot.cert.issue')}
        okText={t('iot.cert.issue.ok')}
        onOk={submit}
        confirmLoading={issue.isPending}
        onCancel={() => setAsking(false)}
        okButtonProps={{ 'data-testid': 'cert-issue-ok' } as Record<string, string>}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" initialValues={{ days: 730 }}>
          <Form.Item
            name="days"
            label={t('iot.cert.days')}
            rules={[{ required: true, type: 'integer', min: 1, max: 3650 }]}
          >
            <InputNumber min={1} max={3650} style={{ width: 160 }} data-testid="cert-days" />
          </Form.Item>
          <Form.Item name="csrPem" label={t('iot.cert.csr')} extra={t('iot.cert.csr.hint')}>
            <Input.TextArea rows={5} placeholder="-----BEGIN CERTIFICATE REQUEST-----" data-testid="cert-csr" />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={issued !== null}
        title={t('iot.cert.issued.title')}
        closable={false}
        maskClosable={false}
        destroyOnHidden
        footer={
          <Button type="primary" onClick={() => setIssued(null)} data-testid="cert-issued-done">
            {t('iot.device.secret.done')}
          </Button>
        }
      >
        {issued ? (
          <Space orientation="vertical" style={{ width: '100%' }}>
            {issued.privateKeyPem ? (
              <Alert type="warning" showIcon title={t('iot.cert.issued.keyOnce')} />
            ) : (
              <Alert type="info" showIcon title={t('iot.cert.issued.csr')} />
            )}
            <Typography.Text>
              {t('iot.cert.col.serial')}: <code data-testid="cert-issued-serial">{issued.serial}</code>
            </Typography.Text>
            <Space wrap>
              <Button icon={<DownloadOutlined />} onClick={() => download(`${deviceName}.crt`, issued.certificatePem)}>
                {`${deviceName}.crt`}
              </Button>
              {issued.privateKeyPem ? (
                <Button
                  icon={<DownloadOutlined />}
                  data-testid="cert-download-key"
                  onClick={() => download(`${deviceName}.key`, issued.privateKeyPem ?? '')}
                >
                  {`${deviceName}.key`}
                </Button>
              ) : null}
              <Button icon={<DownloadOutlined />} onClick={() => download('device-ca.crt', issued.caPem)}>
                device-ca.crt
              </Button>
            </Space>
            <Input.TextArea readOnly rows={6} value={issued.certificatePem} data-testid="cert-issued-pem" />
          </Space>
        ) : null}
      </Modal>
    </Card>
  );
}
