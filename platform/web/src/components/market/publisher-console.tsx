'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Form, Input, List, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import type { ReportItem, Submission } from './market-types';
import { ReportDrawer } from './report-drawer';
import { ReportView } from './report-view';
import { SubmissionsTable } from './submissions-table';
import { useMarketAction } from './use-market-action';

interface UploadAnswer {
  submissionId?: string;
  state?: string;
  passed?: boolean;
  items?: ReportItem[];
  error?: { messageZh: string; messageEn: string };
}

/** The publisher console: publishers and signing keys, uploading a signed package, submissions and their reports. */
export function PublisherConsole() {
  const trpc = useTRPC();
  const { lang } = useLang();
  const t = useT();
  const action = useMarketAction();
  const opts = { onSuccess: () => action.onSuccess(), onError: action.onError };
  const publishers = useQuery(trpc.market.publishers.queryOptions());
  const submissions = useQuery(trpc.market.mySubmissions.queryOptions());
  const create = useMutation(trpc.market.createPublisher.mutationOptions(opts));
  const addKey = useMutation(trpc.market.addKey.mutationOptions(opts));
  const revoke = useMutation(trpc.market.revokeKey.mutationOptions(opts));
  const withdraw = useMutation(trpc.market.withdraw.mutationOptions(opts));
  const resubmit = useMutation(trpc.market.resubmit.mutationOptions(opts));
  const [report, setReport] = useState<Submission | null>(null);
  const [uploaded, setUploaded] = useState<UploadAnswer | null>(null);
  const [uploading, setUploading] = useState(false);
  const [keyText, setKeyText] = useState<Record<string, string>>({});

  const upload = async (file: File) => {
    setUploading(true);
    try {
      const res = await fetch('/api/market/packages', {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: file,
        credentials: 'same-origin',
      });
      setUploaded((await res.json()) as UploadAnswer);
      await action.onSuccess();
    } catch (err) {
      action.onError(err);
    } finally {
      setUploading(false);
    }
  };

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Card title={t('market.publishers')} data-testid="market-publishers">
        {publishers.data?.length === 0 ? (
          <Typography.Paragraph>{t('market.publisher.none')}</Typography.Paragraph>
        ) : null}
        <List
          dataSource={publishers.data ?? []}
          renderItem={(p) => (
            <List.Item>
              <Space direction="vertical" style={{ width: '100%' }}>
                <Typography.Text strong>
                  {lang === 'en' ? p.name.en : p.name.zh} ({p.slug})
                </Typography.Text>
                <Space wrap>
                  {p.keys.map((k) => (
                    <Tag key={k.keyId} color={k.revokedAt ? 'default' : 'green'}>
                      {k.keyId}
                      {k.revokedAt ? ` · ${t('market.key.revoked')}` : ''}
                      {!k.revokedAt ? (
                        <Button
                          type="link"
                          size="small"
                          onClick={() =>
                            revoke.mutate({ publisher: p.slug, keyId: k.keyId, reason: 'revoked in console' })
                          }
                        >
                          {t('market.key.revoke')}
                        </Button>
                      ) : null}
                    </Tag>
                  ))}
                </Space>
                <Space.Compact style={{ width: '100%' }}>
                  <Input.TextArea
                    rows={2}
                    placeholder={t('market.key.public')}
                    value={keyText[p.slug] ?? ''}
                    onChange={(e) => setKeyText({ ...keyText, [p.slug]: e.target.value })}
                  />
                  <Button onClick={() => addKey.mutate({ publisher: p.slug, publicKey: keyText[p.slug] ?? '' })}>
                    {t('market.key.add')}
                  </Button>
                </Space.Compact>
              </Space>
            </List.Item>
          )}
        />
        <Form
          layout="inline"
          onFinish={(v: { slug: string; zh: string; en: string }) =>
            create.mutate({ slug: v.slug, name: { zh: v.zh, en: v.en } })
          }
          style={{ marginTop: 12 }}
        >
          <Form.Item name="slug" rules={[{ required: true }]}>
            <Input placeholder={t('market.publisher.slug')} />
          </Form.Item>
          <Form.Item name="zh" rules={[{ required: true }]}>
            <Input placeholder={t('market.publisher.nameZh')} />
          </Form.Item>
          <Form.Item name="en" rules={[{ required: true }]}>
            <Input placeholder={t('market.publisher.nameEn')} />
          </Form.Item>
          <Button htmlType="submit">{t('market.publisher.create')}</Button>
        </Form>
      </Card>
      <Card title={t('market.upload')}>
        <Typography.Paragraph type="secondary">{t('market.upload.hint')}</Typography.Paragraph>
        <input
          type="file"
          accept=".shequ"
          data-testid="market-upload"
          disabled={uploading}
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void upload(f);
            e.target.value = '';
          }}
        />
        {uploaded?.error ? (
          <Alert
            type="error"
            showIcon
            style={{ marginTop: 12 }}
            data-testid="market-upload-error"
            title={errorMessage({ data: { appCode: 'INVALID_INPUT', ...uploaded.error } }, lang, '')}
          />
        ) : null}
        {uploaded?.submissionId ? (
          <div style={{ marginTop: 12 }} data-testid="market-upload-result">
            <Typography.Paragraph>
              {t('market.upload.done', { id: uploaded.submissionId, state: uploaded.state ?? '' })}
            </Typography.Paragraph>
            <ReportView passed={!!uploaded.passed} items={uploaded.items ?? []} />
          </div>
        ) : null}
      </Card>
      <Card title={t('market.submissions')}>
        <SubmissionsTable
          testId="market-my-submissions"
          rows={submissions.data}
          loading={submissions.isLoading}
          empty={t('market.submissions.empty')}
          actions={(s) => (
            <Space>
              <Button size="small" onClick={() => setReport(s)}>
                {t('market.report')}
              </Button>
              {['submitted', 'in_review', 'approved'].includes(s.state) ? (
                <Button size="small" onClick={() => withdraw.mutate({ id: s.id })}>
                  {t('market.withdraw')}
                </Button>
              ) : null}
              {['withdrawn', 'rejected'].includes(s.state) ? (
                <Button size="small" onClick={() => resubmit.mutate({ id: s.id })}>
                  {t('market.resubmit')}
                </Button>
              ) : null}
            </Space>
          )}
        />
      </Card>
      {report ? <ReportDrawer submission={report} onClose={() => setReport(null)} /> : null}
    </Space>
  );
}
