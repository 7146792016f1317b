'use client';

import { PlusOutlined } from '@ant-design/icons';
import type { AppRouter } from '@shequ/api';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterInputs } from '@trpc/server';
import {
  Alert,
  App,
  Button,
  type ButtonProps,
  Checkbox,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Space,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { PageError, PageLoading } from '@/components/apps/page-state';
import { stamp } from '@/components/iot/use-iot';
import { useLang, useT } from '@/i18n/lang-provider';
import type { MessageKey } from '@/i18n/zh-CN';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

type Scope = inferRouterInputs<AppRouter>['openapi']['clients']['create']['scopes'][number];
/** The scopes in the form's order: business-system scopes, then the provincial exchange (DB33 6.3.1.2–6.3.4.2). */
const scopes = [
  'people.tenants.write',
  'people.visitors.write',
  'houses.read',
  'people.read-masked',
  'people.occupants.write',
  'people.roles.write',
  'houses.write',
  'vehicles.read',
  'vehicles.write',
  'spaces.read',
  'spaces.write',
] as const satisfies readonly Scope[];
// A scope the API grants but the form does not offer fails the typecheck here.
const everyScopeOffered: Exclude<Scope, (typeof scopes)[number]> extends never ? true : never = true;
void everyScopeOffered;

interface ClientRow {
  id: string;
  name: string;
  keyId: string;
  scopes: string[];
  enabled: boolean;
  previousValidUntil: string | null;
  lastUsedAt: string | null;
}

type Shown = { keyId: string; secret: string } | null;

/** The key id and secret, shown once right after creation or rotation. */
function SecretModal({ shown, onClose }: { shown: Shown; onClose: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  return (
    <Modal
      open={shown !== null}
      title={t('openapi.secret.title')}
      closable={false}
      maskClosable={false}
      destroyOnHidden
      footer={[
        <Button
          key="copy"
          onClick={async () => {
            if (!shown) return;
            await navigator.clipboard?.writeText(JSON.stringify(shown));
            message.success(t('openapi.secret.copied'));
          }}
        >
          {t('openapi.secret.copy')}
        </Button>,
        <Button key="done" type="primary" onClick={onClose} data-testid="api-secret-done">
          {t('openapi.secret.done')}
        </Button>,
      ]}
    >
      <Alert type="warning" showIcon title={t('openapi.secret.warn')} style={{ marginBottom: 16 }} />
      {shown ? (
        <Descriptions column={1} bordered size="small">
          <Descriptions.Item label="X-Shequ-Key">
            <code data-testid="api-key-id">{shown.keyId}</code>
          </Descriptions.Item>
          <Descriptions.Item label="Secret">
            <code data-testid="api-secret">{shown.secret}</code>
          </Descriptions.Item>
        </Descriptions>
      ) : null}
    </Modal>
  );
}

/** 开放接口: the community's open-API clients; create with scopes (secret shown once), rotate, disable. */
export function ApiClientsView({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<Shown>(null);
  const [form] = Form.useForm<{ name: string; scopes: Scope[]; rateLimit?: number }>();
  const list = useQuery(trpc.openapi.clients.list.queryOptions({ community }));
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.openapi.clients.list.queryKey({ community }) });
  const fail = (e: unknown) => message.error(errorMessage(e, lang, t('common.unknownError')));
  const create = useMutation(
    trpc.openapi.clients.create.mutationOptions({
      onSuccess: (r) => {
        setCreating(false);
        form.resetFields();
        setShown({ keyId: r.keyId, secret: r.secret });
        void refresh();
      },
      onError: fail,
    }),
  );
  const rotate = useMutation(
    trpc.openapi.clients.rotate.mutationOptions({
      onSuccess: (r) => {
        setShown({ keyId: r.keyId, secret: r.secret });
        void refresh();
      },
      onError: fail,
    }),
  );
  const disable = useMutation(trpc.openapi.clients.disable.mutationOptions({ onSuccess: refresh, onError: fail }));

  if (list.isLoading) return <PageLoading />;
  if (list.error) return <PageError error={list.error} />;

  const columns: TableColumnsType<ClientRow> = [
    { title: t('openapi.col.name'), dataIndex: 'name' },
    { title: t('openapi.col.keyId'), dataIndex: 'keyId', render: (k: string) => <code>{k}</code> },
    {
      title: t('openapi.col.scopes'),
      dataIndex: 'scopes',
      render: (s: string[]) => s.map((x) => <Tag key={x}>{t(`openapi.scope.${x}` as MessageKey)}</Tag>),
    },
    {
      title: t('openapi.col.status'),
      key: 'status',
      render: (_: unknown, r) => (
        <Space orientation="vertical" size={0}>
          <Tag color={r.enabled ? 'green' : 'default'} data-testid={`api-client-status-${r.name}`}>
            {t(r.enabled ? 'openapi.status.enabled' : 'openapi.status.disabled')}
          </Tag>
          {r.previousValidUntil ? (
            <Typography.Text type="secondary">
              {t('openapi.status.grace', { at: stamp(r.previousValidUntil, lang) })}
            </Typography.Text>
          ) : null}
        </Space>
      ),
    },
    {
      title: t('openapi.col.lastUsed'),
      dataIndex: 'lastUsedAt',
      render: (v: string | null) => (v ? stamp(v, lang) : t('openapi.never')),
    },
    {
      title: t('openapi.col.actions'),
      key: 'actions',
      render: (_: unknown, r) =>
        r.enabled ? (
          <Space>
            <Popconfirm
              title={t('openapi.rotate.confirm')}
              onConfirm={() => rotate.mutate({ community, id: r.id, graceMinutes: 24 * 60 })}
            >
              <Button size="small">{t('openapi.rotate')}</Button>
            </Popconfirm>
            <Popconfirm title={t('openapi.disable.confirm')} onConfirm={() => disable.mutate({ community, id: r.id })}>
              <Button size="small" danger>
                {t('openapi.disable')}
              </Button>
            </Popconfirm>
          </Space>
        ) : (
          <Typography.Text type="secondary">{t('openapi.disabled')}</Typography.Text>
        ),
    },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Alert type="info" showIcon title={t('openapi.intro')} />
      <Space>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="api-client-new">
          {t('openapi.create')}
        </Button>
        <Typography.Link href="/open/v1/openapi.json" target="_blank">
          {t('openapi.docs')}
        </Typography.Link>
      </Space>
      <Table<ClientRow>
        rowKey="id"
        columns={columns}
        dataSource={(list.data ?? []) as ClientRow[]}
        pagination={false}
        data-testid="api-clients"
      />
      <Modal
        open={creating}
        title={t('openapi.create')}
        onCancel={() => setCreating(false)}
        okButtonProps={{ loading: create.isPending, 'data-testid': 'api-client-submit' } as ButtonProps}
        onOk={async () => {
          const v = await form.validateFields();
          create.mutate({ community, name: v.name, scopes: v.scopes, rateLimit: v.rateLimit ?? undefined });
        }}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" initialValues={{ scopes: ['people.tenants.write'], rateLimit: 120 }}>
          <Form.Item name="name" label={t('openapi.form.name')} rules={[{ required: true, max: 64 }]}>
            <Input placeholder={t('openapi.form.name.hint')} data-testid="api-client-name" />
          </Form.Item>
          <Form.Item name="scopes" label={t('openapi.form.scopes')} rules={[{ required: true, type: 'array', min: 1 }]}>
            <Checkbox.Group options={scopes.map((s) => ({ value: s, label: t(`openapi.scope.${s}` as MessageKey) }))} />
          </Form.Item>
          <Form.Item name="rateLimit" label={t('openapi.form.rateLimit')}>
            <InputNumber min={1} max={6000} />
          </Form.Item>
        </Form>
      </Modal>
      <SecretModal shown={shown} onClose={() => setShown(null)} />
    </Space>
  );
}
