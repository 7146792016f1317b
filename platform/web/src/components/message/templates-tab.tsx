'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { Alert, App, Button, Checkbox, Drawer, Form, Input, Table, Tag } from 'antd';
import { useState } from 'react';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

type Template = inferOutput<ReturnType<typeof useTRPC>['message']['templates']>[number];
type Channel = 'in_app' | 'sms' | 'app_push' | 'provincial_push';

interface Values {
  code: string;
  name: string;
  titleZh: string;
  titleEn: string;
  bodyZh: string;
  bodyEn: string;
  variables: string;
  channels: Channel[];
}

/** 消息模板: zh and en texts with {{variables}}, checked by the platform on save. */
export function TemplatesTab({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const list = useQuery(trpc.message.templates.queryOptions({ community }));
  const [editing, setEditing] = useState<Partial<Template> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const save = useMutation(
    trpc.message.saveTemplate.mutationOptions({
      onSuccess: () => {
        message.success(t('msg.tpl.saved'));
        setEditing(null);
        setError(null);
        void list.refetch();
      },
      onError: (e) => setError(errorMessage(e, lang, t('common.networkError'))),
    }),
  );
  const submit = (v: Values) =>
    save.mutate({
      community,
      template: {
        ...v,
        variables: v.variables
          .split(/[,，\s]+/)
          .map((x) => x.trim())
          .filter(Boolean),
        channels: v.channels ?? [],
      },
    });
  return (
    <>
      <Button type="primary" onClick={() => setEditing({})} style={{ marginBottom: 16 }}>
        {t('msg.tpl.new')}
      </Button>
      <Table<Template>
        rowKey="id"
        loading={list.isPending}
        dataSource={list.data ?? []}
        pagination={false}
        columns={[
          { title: t('msg.tpl.code'), dataIndex: 'code' },
          { title: t('msg.tpl.name'), dataIndex: 'name' },
          { title: t('msg.tpl.variables'), render: (_, r) => r.variables.map((v) => <Tag key={v}>{v}</Tag>) },
          {
            title: t('msg.channels'),
            render: (_, r) => r.channels.map((c) => <Tag key={c}>{t(`msg.channel.${c}` as MessageKey)}</Tag>),
          },
          { title: '', render: (_, r) => <Button onClick={() => setEditing(r)}>{t('msg.tpl.edit')}</Button> },
        ]}
      />
      <Drawer
        open={!!editing}
        size="large"
        title={editing?.code ?? t('msg.tpl.new')}
        onClose={() => setEditing(null)}
        destroyOnHidden
      >
        {error ? <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} /> : null}
        <Alert type="info" title={t('msg.tpl.hint')} style={{ marginBottom: 16 }} />
        <Form<Values>
          layout="vertical"
          onFinish={submit}
          initialValues={{
            code: editing?.code ?? '',
            name: editing?.name ?? '',
            titleZh: editing?.titleZh ?? '',
            titleEn: editing?.titleEn ?? '',
            bodyZh: editing?.bodyZh ?? '',
            bodyEn: editing?.bodyEn ?? '',
            variables: (editing?.variables ?? []).join(', '),
            channels: (editing?.channels ?? ['in_app']) as Channel[],
          }}
        >
          <Form.Item name="code" label={t('msg.tpl.code')} rules={[{ required: true }]}>
            <Input disabled={!!editing?.id} placeholder="notice.water" />
          </Form.Item>
          <Form.Item name="name" label={t('msg.tpl.name')} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="variables" label={t('msg.tpl.variables')}>
            <Input placeholder="building, time" />
          </Form.Item>
          {(['titleZh', 'titleEn', 'bodyZh', 'bodyEn'] as const).map((f) => (
            <Form.Item key={f} name={f} label={t(`msg.${f}` as MessageKey)} rules={[{ required: true }]}>
              {f.startsWith('body') ? <Input.TextArea rows={3} /> : <Input />}
            </Form.Item>
          ))}
          <Form.Item name="channels" label={t('msg.channels')}>
            <Checkbox.Group
              options={(['in_app', 'sms', 'app_push', 'provincial_push'] as const).map((c) => ({
                value: c,
                label: t(`msg.channel.${c}` as MessageKey),
              }))}
            />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={save.isPending}>
            {t('msg.tpl.save')}
          </Button>
        </Form>
      </Drawer>
    </>
  );
}
