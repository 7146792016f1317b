'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { App, Button, Checkbox, Form, Input, InputNumber, Modal, Select, Space, Table, Tabs, Tag } from 'antd';
import { useState } from 'react';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { statusColour } from './contracts-view';
import { downloadPdf } from './pdf-files';
import { VerifyPanel } from './verify-panel';

type Template = inferOutput<ReturnType<typeof useTRPC>['esign']['templates']>[number];
type Doc = inferOutput<ReturnType<typeof useTRPC>['esign']['documents']>[number];
type Variable = { key: string; label: string; required: boolean };

const keysOf = (body: string) => [...new Set([...body.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]))];

function TemplateForm({
  community,
  editing,
  onDone,
}: {
  community: string;
  editing: Template | null;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const [body, setBody] = useState(editing?.body ?? '');
  const [vars, setVars] = useState<Variable[]>(editing?.variables ?? []);
  const [form] = Form.useForm<{ name: string; validDays: number }>();
  const save = useMutation(
    trpc.esign.saveTemplate.mutationOptions({
      onSuccess: () => {
        void message.success(t('esign.template.saved'));
        onDone();
      },
      onError: (e) => void message.error(errorMessage(e, lang, String(e))),
    }),
  );
  // Variables follow the body: a new {{key}} appears with its key as label; a removed one disappears.
  const variables = keysOf(body).map((k) => vars.find((v) => v.key === k) ?? { key: k, label: k, required: true });
  const setVar = (key: string, patch: Partial<Variable>) =>
    setVars([...variables.filter((v) => v.key !== key), { ...variables.find((v) => v.key === key)!, ...patch }]);
  return (
    <Form
      form={form}
      layout="vertical"
      initialValues={{ name: editing?.name ?? '', validDays: editing?.validDays ?? 14 }}
      onFinish={(v) =>
        save.mutate({
          community,
          id: editing?.id,
          expectedVersion: editing?.version,
          template: { name: v.name, body, variables, validDays: v.validDays },
        })
      }
    >
      <Form.Item name="name" label={t('esign.template.name')} rules={[{ required: true, max: 200 }]}>
        <Input data-testid="esign-template-name" />
      </Form.Item>
      <Form.Item label={t('esign.template.body')} required>
        <Input.TextArea
          rows={10}
          value={body}
          onChange={(e) => setBody(e.target.value)}
          data-testid="esign-template-body"
        />
      </Form.Item>
      {variables.length ? (
        <Form.Item label={t('esign.template.variables')}>
          {variables.map((v) => (
            <Space key={v.key} style={{ display: 'flex', marginBottom: 8 }}>
              <Tag>{`{{${v.key}}}`}</Tag>
              <Input
                placeholder={t('esign.template.variableLabel')}
                value={v.label}
                onChange={(e) => setVar(v.key, { label: e.target.value })}
                data-testid={`esign-var-label-${v.key}`}
              />
              <Checkbox checked={v.required} onChange={(e) => setVar(v.key, { required: e.target.checked })}>
                {t('esign.template.required')}
              </Checkbox>
            </Space>
          ))}
        </Form.Item>
      ) : null}
      <Form.Item name="validDays" label={t('esign.template.validDays')} rules={[{ required: true }]}>
        <InputNumber min={1} max={365} />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={save.isPending} data-testid="esign-template-save">
        {t('common.save')}
      </Button>
    </Form>
  );
}

function TemplatesTab({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const list = useQuery(trpc.esign.templates.queryOptions({ community }));
  const [editing, setEditing] = useState<Template | null | 'new'>(null);
  const archive = useMutation(trpc.esign.archiveTemplate.mutationOptions({ onSuccess: () => void list.refetch() }));
  return (
    <>
      <Button
        type="primary"
        onClick={() => setEditing('new')}
        data-testid="esign-template-new"
        style={{ marginBottom: 12 }}
      >
        {t('esign.template.new')}
      </Button>
      <Table<Template>
        rowKey="id"
        loading={list.isPending}
        dataSource={list.data ?? []}
        columns={[
          { title: t('esign.template.name'), dataIndex: 'name' },
          { title: t('esign.template.variables'), render: (_, r) => r.variables.map((v) => v.label).join('、') },
          { title: t('esign.template.version'), dataIndex: 'version' },
          {
            title: '',
            render: (_, r) => (
              <Space>
                <Button size="small" onClick={() => setEditing(r)}>
                  {t('esign.template.edit')}
                </Button>
                <Button size="small" danger onClick={() => archive.mutate({ community, id: r.id })}>
                  {t('esign.template.archive')}
                </Button>
              </Space>
            ),
          },
        ]}
      />
      <Modal open={editing !== null} footer={null} width={720} onCancel={() => setEditing(null)} destroyOnHidden>
        {editing !== null ? (
          <TemplateForm
            community={community}
            editing={editing === 'new' ? null : editing}
            onDone={() => {
              setEditing(null);
              void list.refetch();
            }}
          />
        ) : null}
      </Modal>
    </>
  );
}

function SendTab({ community, onSent }: { community: string; onSent: () => void }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const templates = useQuery(trpc.esign.templates.queryOptions({ community }));
  const [form] = Form.useForm<{ templateId: string; signer: string; title?: string; values: Record<string, string> }>();
  const templateId = Form.useWatch('templateId', form);
  const chosen = templates.data?.find((x) => x.id === templateId);
  const create = useMutation(
    trpc.esign.createDocument.mutationOptions({
      onSuccess: () => {
        void message.success(t('esign.send.done'));
        form.resetFields();
        onSent();
      },
      onError: (e) => void message.error(errorMessage(e, lang, String(e))),
    }),
  );
  return (
    <Form
      form={form}
      layout="vertical"
      style={{ maxWidth: 560 }}
      onFinish={(v) =>
        create.mutate({
          community,
          templateId: v.templateId,
          signerUsername: v.signer,
          title: v.title || undefined,
          values: v.values ?? {},
        })
      }
    >
      <Form.Item name="templateId" label={t('esign.send.template')} rules={[{ required: true }]}>
        <Select
          data-testid="esign-send-template"
          options={(templates.data ?? []).map((x) => ({ value: x.id, label: x.name }))}
        />
      </Form.Item>
      <Form.Item name="signer" label={t('esign.send.signer')} rules={[{ required: true }]}>
        <Input data-testid="esign-send-signer" />
      </Form.Item>
      <Form.Item name="title" label={t('esign.send.title')}>
        <Input />
      </Form.Item>
      {chosen?.variables.map((v) => (
        <Form.Item key={v.key} name={['values', v.key]} label={v.label} rules={[{ required: v.required }]}>
          <Input data-testid={`esign-send-var-${v.key}`} />
        </Form.Item>
      ))}
      <Button type="primary" htmlType="submit" loading={create.isPending} data-testid="esign-send-submit">
        {t('esign.send.submit')}
      </Button>
    </Form>
  );
}

function DocumentsTab({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const qc = useQueryClient();
  const list = useQuery(trpc.esign.documents.queryOptions({ community }));
  const download = async (id: string) => {
    const f = await qc.fetchQuery(trpc.esign.download.queryOptions({ community, id }, { staleTime: 0 }));
    downloadPdf(f.base64, f.filename);
  };
  return (
    <Table<Doc>
      rowKey="id"
      loading={list.isPending}
      dataSource={list.data ?? []}
      data-testid="esign-documents"
      columns={[
        { title: t('esign.doc.title'), dataIndex: 'title' },
        { title: t('esign.doc.signer'), dataIndex: 'signerName' },
        {
          title: t('esign.doc.status'),
          render: (_, d) => (
            <Tag color={statusColour[d.status]} data-testid="esign-doc-status">
              {t(`contracts.status.${d.status}` as MessageKey)}
            </Tag>
          ),
        },
        { title: t('esign.doc.created'), render: (_, d) => new Date(d.createdAt).toLocaleString(lang) },
        {
          title: '',
          render: (_, d) => (
            <Button size="small" onClick={() => void download(d.id)}>
              PDF
            </Button>
          ),
        },
      ]}
    />
  );
}

/** 合同模板 in the console: templates, sending a contract to a resident, statuses, verifying an uploaded PDF. */
export function EsignConsole({ community }: { community: string }) {
  const t = useT();
  const [version, setVersion] = useState(0);
  return (
    <Tabs
      items={[
        { key: 'templates', label: t('esign.tab.templates'), children: <TemplatesTab community={community} /> },
        {
          key: 'send',
          label: t('esign.tab.send'),
          children: <SendTab community={community} onSent={() => setVersion((v) => v + 1)} />,
        },
        {
          key: 'documents',
          label: t('esign.tab.documents'),
          children: <DocumentsTab key={version} community={community} />,
        },
        { key: 'verify', label: t('esign.tab.verify'), children: <VerifyPanel /> },
      ]}
    />
  );
}
