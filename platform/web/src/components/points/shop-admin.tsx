'use client';

import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Drawer,
  Form,
  Input,
  InputNumber,
  Space,
  Switch,
  Table,
  type TableColumnsType,
  Tag,
} from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

type Api = ReturnType<typeof useTRPC>;
type Item = inferOutput<Api['points']['shop']['items']>[number];
type Redemption = inferOutput<Api['points']['shop']['redemptions']>[number];
type ItemValues = {
  name: string;
  nameEn?: string;
  description?: string;
  price: number;
  stock: number;
  active: boolean;
};

const stateColor = { placed: 'gold', fulfilled: 'green', cancelled: 'default' } as const;

/** 积分商城 for operators: the rewards (stock, price, on or off sale), the service desk by pickup code, the record. */
export function ShopAdmin({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const items = useQuery(trpc.points.shop.items.queryOptions({ community, all: true }));
  const redemptions = useQuery(trpc.points.shop.redemptions.queryOptions({ community }));
  const save = useMutation(trpc.points.shop.save.mutationOptions());
  const close = useMutation(trpc.points.shop.close.mutationOptions());
  const [editing, setEditing] = useState<Item | 'new' | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [desk, setDesk] = useState<{ type: 'success' | 'error'; text: string } | null>(null);
  const [form] = Form.useForm<ItemValues>();
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.points.shop.pathKey() });

  const open = (item: Item | 'new') => {
    setFormError(null);
    setEditing(item);
    form.setFieldsValue(
      item === 'new'
        ? { name: '', nameEn: '', description: '', price: 10, stock: 10, active: true }
        : { ...item, nameEn: item.nameEn ?? '' },
    );
  };
  const submit = async (v: ItemValues) => {
    setFormError(null);
    try {
      await save.mutateAsync({
        community,
        ...v,
        ...(editing && editing !== 'new' ? { id: editing.id, version: editing.version } : {}),
      });
      message.success(t('points.admin.saved'));
      setEditing(null);
      await refresh();
    } catch (e) {
      setFormError(errorMessage(e, lang, t('common.unknownError')));
    }
  };
  const closeByCode = async (outcome: 'fulfilled' | 'cancelled') => {
    setDesk(null);
    try {
      const r = await close.mutateAsync({ community, pickupCode: code.trim(), outcome });
      setDesk({
        type: 'success',
        text:
          outcome === 'fulfilled'
            ? t('points.admin.desk.fulfilled', { item: r.itemName, quantity: r.quantity })
            : t('points.admin.desk.cancelled', { amount: r.amount }),
      });
      setCode('');
      await refresh();
    } catch (e) {
      setDesk({ type: 'error', text: errorMessage(e, lang, t('common.unknownError')) });
    }
  };

  const itemColumns: TableColumnsType<Item> = [
    { title: t('points.admin.col.name'), dataIndex: 'name' },
    { title: t('points.admin.col.price'), dataIndex: 'price' },
    { title: t('points.admin.col.stock'), dataIndex: 'stock' },
    {
      title: t('points.admin.col.active'),
      dataIndex: 'active',
      render: (a: boolean) => (
        <Tag color={a ? 'green' : 'default'}>{t(a ? 'points.admin.active' : 'points.admin.inactive')}</Tag>
      ),
    },
    {
      key: 'edit',
      render: (_: unknown, r) => (
        <Button size="small" onClick={() => open(r)}>
          {t('points.admin.edit')}
        </Button>
      ),
    },
  ];
  const redemptionColumns: TableColumnsType<Redemption> = [
    { title: t('points.admin.col.code'), dataIndex: 'pickupCode', render: (v: string) => <code>{v}</code> },
    { title: t('points.admin.col.item'), dataIndex: 'itemName' },
    { title: t('points.admin.col.quantity'), dataIndex: 'quantity' },
    { title: t('points.admin.col.amount'), dataIndex: 'amount' },
    {
      title: t('points.admin.col.state'),
      dataIndex: 'state',
      render: (s: Redemption['state']) => <Tag color={stateColor[s]}>{t(`points.redemption.${s}`)}</Tag>,
    },
    {
      title: t('points.admin.col.time'),
      dataIndex: 'createdAt',
      render: (v: string) => new Date(v).toLocaleString(lang),
    },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Card title={t('points.admin.desk')} size="small">
        <Space wrap>
          <Input
            value={code}
            onChange={(e) => setCode(e.target.value)}
            placeholder={t('points.admin.desk.code')}
            maxLength={6}
            style={{ width: 160, fontSize: 18, letterSpacing: 2 }}
            data-testid="desk-code"
          />
          <Button type="primary" onClick={() => closeByCode('fulfilled')} data-testid="desk-fulfil">
            {t('points.admin.desk.fulfil')}
          </Button>
          <Button danger onClick={() => closeByCode('cancelled')} data-testid="desk-cancel">
            {t('points.admin.desk.cancel')}
          </Button>
        </Space>
        {desk ? (
          <Alert type={desk.type} showIcon title={desk.text} style={{ marginTop: 12 }} data-testid="desk-outcome" />
        ) : null}
      </Card>
      <Card
        title={t('points.admin.items')}
        size="small"
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => open('new')} data-testid="shop-add">
            {t('points.admin.add')}
          </Button>
        }
      >
        <Table<Item>
          rowKey="id"
          size="middle"
          columns={itemColumns}
          dataSource={items.data ?? []}
          loading={items.isLoading}
          pagination={false}
          data-testid="shop-items"
        />
      </Card>
      <Card title={t('points.admin.redemptions')} size="small">
        <Table<Redemption>
          rowKey="id"
          size="middle"
          columns={redemptionColumns}
          dataSource={redemptions.data ?? []}
          loading={redemptions.isLoading}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
        />
      </Card>
      <Drawer
        open={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' ? t('points.admin.add') : t('points.admin.edit')}
        size={480}
        destroyOnHidden
      >
        {formError ? (
          <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="shop-form-error" />
        ) : null}
        <Form<ItemValues> form={form} layout="vertical" onFinish={submit} data-testid="shop-form">
          <Form.Item name="name" label={t('points.admin.col.name')} rules={[{ required: true, max: 60 }]}>
            <Input data-testid="shop-name" />
          </Form.Item>
          <Form.Item name="nameEn" label={t('points.admin.nameEn')} rules={[{ max: 60 }]}>
            <Input />
          </Form.Item>
          <Form.Item name="description" label={t('points.admin.description')} rules={[{ max: 300 }]}>
            <Input.TextArea rows={2} />
          </Form.Item>
          <Form.Item name="price" label={t('points.admin.col.price')} rules={[{ required: true }]}>
            <InputNumber min={1} max={1_000_000} precision={0} data-testid="shop-price" />
          </Form.Item>
          <Form.Item name="stock" label={t('points.admin.col.stock')} rules={[{ required: true }]}>
            <InputNumber min={0} max={1_000_000} precision={0} data-testid="shop-stock" />
          </Form.Item>
          <Form.Item name="active" label={t('points.admin.col.active')} valuePropName="checked">
            <Switch />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={save.isPending} data-testid="shop-submit">
            {t('common.save')}
          </Button>
        </Form>
      </Drawer>
    </Space>
  );
}
