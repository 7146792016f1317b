'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ButtonProps } from 'antd';
import { Alert, App, Button, Checkbox, Form, Input, Radio, Select, Switch } from 'antd';
import { useState } from 'react';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

type Kind = 'community' | 'compound' | 'building' | 'tag';
type Channel = 'in_app' | 'sms' | 'app_push' | 'provincial_push';
const channels: Channel[] = ['in_app', 'sms', 'app_push', 'provincial_push'];

interface Values {
  kind: Kind;
  compound?: string;
  building?: string;
  tag?: string;
  template?: string;
  vars?: Record<string, string>;
  titleZh?: string;
  titleEn?: string;
  bodyZh?: string;
  bodyEn?: string;
  channels: Channel[];
  urgent: boolean;
}

/** `3-5`, `3,4,5` or `3、4、5` → ['3', '4', '5']. */
export function buildingList(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(/[,，、\s]+/).filter(Boolean)) {
    const range = /^(\d+)\s*[-–~]\s*(\d+)$/.exec(part);
    if (range && Number(range[2]) >= Number(range[1]) && Number(range[2]) - Number(range[1]) < 200) {
      for (let b = Number(range[1]); b <= Number(range[2]); b++) out.push(String(b));
    } else out.push(part);
  }
  return [...new Set(out)];
}

const audienceOf = (v: Values) =>
  v.kind === 'community'
    ? { kind: 'community' as const }
    : v.kind === 'compound'
      ? { kind: 'compound' as const, compound: v.compound ?? '' }
      : v.kind === 'building'
        ? { kind: 'building' as const, compound: v.compound ?? '', buildings: buildingList(v.building ?? '') }
        : { kind: 'tag' as const, tag: v.tag ?? '' };

/** Compose a broadcast: audience, template or text, channels; preview the count, then send that count. */
export function BroadcastForm({ community, onSent }: { community: string; onSent: () => void }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const { message, modal } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const kind = Form.useWatch('kind', form) ?? 'community';
  const templateCode = Form.useWatch('template', form);
  const templates = useQuery(trpc.message.templates.queryOptions({ community }));
  const template = templates.data?.find((x) => x.code === templateCode);
  const [preview, setPreview] = useState<{
    count: number;
    households: number | null;
    sample: string[];
    key: string;
  } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const send = useMutation(
    trpc.message.broadcast.mutationOptions({
      onSuccess: (r) => {
        message.success(t('msg.sent', { n: r.recipients }));
        setPreview(null);
        setError(null);
        onSent();
      },
      onError: (e) => setError(errorMessage(e, lang, t('common.networkError'))),
    }),
  );
  const doPreview = async () => {
    const v = await form.validateFields();
    try {
      const audience = audienceOf(v);
      const p = await queryClient.fetchQuery({
        ...trpc.message.preview.queryOptions({ community, audience }),
        staleTime: 0,
      });
      setPreview({ ...p, key: JSON.stringify(audience) });
      setError(null);
    } catch (e) {
      setError(errorMessage(e, lang, t('common.networkError')));
    }
  };
  const doSend = async () => {
    const v = await form.validateFields();
    if (!preview || preview.key !== JSON.stringify(audienceOf(v))) return doPreview();
    modal.confirm({
      title: t('msg.send.confirm', { n: preview.count }),
      okButtonProps: { 'data-testid': 'msg-send-ok' } as ButtonProps,
      onOk: () =>
        send.mutateAsync({
          community,
          audience: audienceOf(v),
          template: v.template ? { code: v.template, vars: v.vars ?? {} } : undefined,
          text: v.template
            ? undefined
            : { titleZh: v.titleZh ?? '', titleEn: v.titleEn ?? '', bodyZh: v.bodyZh ?? '', bodyEn: v.bodyEn ?? '' },
          channels: v.channels,
          urgent: v.urgent,
          expectedCount: preview.count,
        }),
    });
  };
  return (
    <Form<Values>
      form={form}
      layout="vertical"
      style={{ maxWidth: 720 }}
      initialValues={{ kind: 'community', channels: ['in_app'], urgent: false }}
      onValuesChange={(changed) => {
        if ('kind' in changed || 'compound' in changed || 'building' in changed || 'tag' in changed) setPreview(null);
      }}
      data-testid="broadcast-form"
    >
      <Alert
        type="info"
        showIcon
        title={t('msg.devSink')}
        description={t('msg.quietHint')}
        style={{ marginBottom: 16 }}
      />
      <Form.Item name="kind" label={t('msg.audience')}>
        <Radio.Group
          optionType="button"
          options={(['community', 'compound', 'building', 'tag'] as const).map((k) => ({
            value: k,
            label: t(`msg.audience.${k}` as MessageKey),
          }))}
        />
      </Form.Item>
      {kind === 'compound' || kind === 'building' ? (
        <Form.Item name="compound" label={t('msg.compound')} rules={[{ required: true }]}>
          <Input placeholder="示范小区" />
        </Form.Item>
      ) : null}
      {kind === 'building' ? (
        <Form.Item name="building" label={t('msg.building')} rules={[{ required: true }]}>
          <Input placeholder="3-5" />
        </Form.Item>
      ) : null}
      {kind === 'tag' ? (
        <Form.Item name="tag" label={t('msg.tag')} rules={[{ required: true }]}>
          <Input />
        </Form.Item>
      ) : null}
      <Form.Item name="template" label={t('msg.template')}>
        <Select
          allowClear
          placeholder={t('msg.freeText')}
          options={(templates.data ?? []).map((x) => ({ value: x.code, label: `${x.name} (${x.code})` }))}
        />
      </Form.Item>
      {template
        ? template.variables.map((v) => (
            <Form.Item key={v} name={['vars', v]} label={`${t('msg.vars')}: ${v}`} rules={[{ required: true }]}>
              <Input />
            </Form.Item>
          ))
        : (['titleZh', 'titleEn', 'bodyZh', 'bodyEn'] as const).map((f) => (
            <Form.Item key={f} name={f} label={t(`msg.${f}` as MessageKey)} rules={[{ required: true }]}>
              {f.startsWith('body') ? <Input.TextArea rows={3} /> : <Input />}
            </Form.Item>
          ))}
      <Form.Item name="channels" label={t('msg.channels')} rules={[{ required: true }]}>
        <Checkbox.Group options={channels.map((c) => ({ value: c, label: t(`msg.channel.${c}` as MessageKey) }))} />
      </Form.Item>
      <Form.Item name="urgent" label={t('msg.urgent')} valuePropName="checked">
        <Switch />
      </Form.Item>
      {error ? (
        <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="msg-error" />
      ) : null}
      {preview ? (
        <Alert
          data-testid="msg-preview"
          type="success"
          title={
            preview.households === null
              ? t('msg.preview.count', { n: preview.count })
              : `${t('msg.preview.count', { n: preview.count })}${t('msg.preview.households', { n: preview.households })}`
          }
          description={
            preview.sample.length ? t('msg.preview.sample', { names: preview.sample.join('、') }) : undefined
          }
          style={{ marginBottom: 16 }}
        />
      ) : null}
      <div style={{ display: 'flex', gap: 8 }}>
        <Button onClick={doPreview} data-testid="msg-preview-button">
          {t('msg.preview')}
        </Button>
        <Button type="primary" onClick={doSend} disabled={!preview || preview.count === 0} loading={send.isPending}>
          {t('msg.send')}
        </Button>
      </div>
    </Form>
  );
}
