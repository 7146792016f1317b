'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Drawer, Form, Input, Select, Space } from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { appErrorData, errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

type Values = {
  name: string;
  standardModel?: string;
  tsl: string;
  nodeType: 'device' | 'gateway';
  description?: string;
};

/** New product: a name and a thing model, started from one of the standard models and editable as TSL JSON. */
export function ProductFormDrawer({
  community,
  open,
  onClose,
  onCreated,
}: {
  community: string;
  open: boolean;
  onClose: () => void;
  onCreated: (productKey: string) => void;
}) {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const trpc = useTRPC();
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<{ title: string; fields?: string[] } | null>(null);
  const models = useQuery({ ...trpc.iot.products.standardModels.queryOptions(), enabled: open, staleTime: Infinity });
  const create = useMutation(trpc.iot.products.create.mutationOptions());

  const pickModel = (id: string) => {
    const m = models.data?.find((x) => x.id === id);
    if (!m) return;
    form.setFieldsValue({ tsl: JSON.stringify(m.model, null, 2), name: form.getFieldValue('name') || m.name });
  };

  const submit = async (v: Values) => {
    setError(null);
    let thingModel: Record<string, unknown>;
    try {
      thingModel = JSON.parse(v.tsl);
    } catch (e) {
      setError({ title: t('iot.product.tsl.invalid', { reason: (e as Error).message }) });
      return;
    }
    try {
      const r = await create.mutateAsync({
        community,
        name: v.name,
        thingModel,
        nodeType: v.nodeType,
        description: v.description || undefined,
      });
      message.success(t('iot.product.created', { name: v.name }));
      form.resetFields();
      onCreated(r.productKey);
    } catch (e) {
      const fields = appErrorData(e)?.fieldErrors;
      setError({
        title: errorMessage(e, lang, t('common.unknownError')),
        fields: fields ? Object.entries(fields).map(([k, msgs]) => `${k}: ${msgs.join('; ')}`) : undefined,
      });
    }
  };

  return (
    <Drawer open={open} onClose={onClose} size={640} title={t('iot.products.add')} destroyOnHidden>
      <Form<Values>
        form={form}
        layout="vertical"
        onFinish={submit}
        initialValues={{ nodeType: 'device' }}
        data-testid="product-form"
      >
        {error ? (
          <Alert
            type="error"
            showIcon
            title={error.title}
            description={error.fields?.map((f) => <div key={f}>{f}</div>)}
            style={{ marginBottom: 16 }}
            data-testid="product-form-error"
          />
        ) : null}
        <Form.Item
          name="standardModel"
          label={t('iot.product.standardModel')}
          extra={t('iot.product.standardModel.hint')}
        >
          <Select
            showSearch={{ optionFilterProp: 'label' }}
            loading={models.isLoading}
            onChange={pickModel}
            data-testid="product-standard-model"
            options={(models.data ?? []).map((m) => ({ value: m.id, label: `${m.name}（${m.clause}）` }))}
          />
        </Form.Item>
        <Form.Item name="name" label={t('iot.product.name')} rules={[{ required: true, max: 64 }]}>
          <Input data-testid="product-name" />
        </Form.Item>
        <Form.Item name="nodeType" label={t('iot.product.col.nodeType')}>
          <Select
            options={[
              { value: 'device', label: t('iot.nodeType.device') },
              { value: 'gateway', label: t('iot.nodeType.gateway') },
            ]}
          />
        </Form.Item>
        <Form.Item name="tsl" label={t('iot.product.tsl')} rules={[{ required: true }]}>
          <Input.TextArea
            rows={14}
            spellCheck={false}
            style={{ fontFamily: 'monospace', fontSize: 12 }}
            data-testid="product-tsl"
          />
        </Form.Item>
        <Form.Item name="description" label={t('iot.product.description')} rules={[{ max: 500 }]}>
          <Input.TextArea rows={2} />
        </Form.Item>
        <Space>
          <Button type="primary" htmlType="submit" loading={create.isPending} data-testid="product-submit">
            {t('common.save')}
          </Button>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
        </Space>
      </Form>
    </Drawer>
  );
}
