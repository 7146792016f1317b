'use client';

import { ApiOutlined, PlusOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Space, Table, type TableColumnsType, Tag } from 'antd';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { EmptyState } from '@/components/empty-state';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { NetworkServerDrawer } from './network-server-drawer';
import { ProductFormDrawer } from './product-form-drawer';
import { type ProductRow, stamp } from './use-iot';

/** The community's IoT products; a new one starts from a standard thing model. */
export function ProductsView({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const router = useRouter();
  const trpc = useTRPC();
  const [adding, setAdding] = useState(false);
  const [networkServer, setNetworkServer] = useState(false);
  const list = useQuery(trpc.iot.products.list.queryOptions({ community }));

  const columns: TableColumnsType<ProductRow> = [
    {
      title: t('iot.product.col.name'),
      dataIndex: 'name',
      render: (name: string, r) => <Link href={`/console/devices/${r.productKey}`}>{name}</Link>,
    },
    { title: t('iot.product.col.key'), dataIndex: 'productKey', render: (v: string) => <code>{v}</code> },
    {
      title: t('iot.product.col.nodeType'),
      dataIndex: 'nodeType',
      render: (v: string) => <Tag>{t(v === 'gateway' ? 'iot.nodeType.gateway' : 'iot.nodeType.device')}</Tag>,
    },
    { title: t('iot.product.col.created'), dataIndex: 'createdAt', render: (v: string) => stamp(v, lang) },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'flex-end' }}>
        <Button icon={<ApiOutlined />} onClick={() => setNetworkServer(true)} data-testid="network-server-open">
          {t('iot.ns.open')}
        </Button>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setAdding(true)} data-testid="product-add">
          {t('iot.products.add')}
        </Button>
      </Space>
      {list.error ? (
        <Alert type="error" showIcon title={errorMessage(list.error, lang, t('common.networkError'))} />
      ) : null}
      {list.data && list.data.length === 0 ? (
        <EmptyState description={t('iot.products.empty')} />
      ) : (
        <div data-testid="product-table">
          <Table<ProductRow>
            rowKey="productKey"
            size="middle"
            columns={columns}
            dataSource={list.data ?? []}
            loading={list.isLoading}
            pagination={false}
          />
        </div>
      )}
      <NetworkServerDrawer community={community} open={networkServer} onClose={() => setNetworkServer(false)} />
      <ProductFormDrawer
        community={community}
        open={adding}
        onClose={() => setAdding(false)}
        onCreated={(productKey) => {
          setAdding(false);
          router.push(`/console/devices/${productKey}`);
        }}
      />
    </Space>
  );
}
