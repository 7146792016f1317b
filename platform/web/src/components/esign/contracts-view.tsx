'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { App, Button, Card, Empty, Input, Space, Tag, Typography, theme } from 'antd';
import { useState } from 'react';
import { PageError, PageLoading } from '@/components/apps/page-state';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { appErrorData, errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { downloadPdf, pdfUrl } from './pdf-files';

type Doc = inferOutput<ReturnType<typeof useTRPC>['esign']['mine']>[number];

export const statusColour: Record<string, string> = {
  draft: 'default',
  sent: 'gold',
  signed: 'green',
  declined: 'red',
  expired: 'default',
};

function ContractCard({ community, doc, onChange }: { community: string; doc: Doc; onChange: () => void }) {
  const trpc = useTRPC();
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const { token } = theme.useToken();
  const qc = useQueryClient();
  const [reading, setReading] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [codeSent, setCodeSent] = useState(false);
  const fail = (e: unknown) => void message.error(errorMessage(e, lang, String(e)));
  const requestCode = useMutation(
    trpc.esign.requestCode.mutationOptions({
      onSuccess: () => setCodeSent(true),
      onError: (e) => {
        // A code sent within the last minute is still good: keep the code field open.
        if (appErrorData(e)?.appCode === 'RATE_LIMITED') setCodeSent(true);
        fail(e);
      },
    }),
  );
  const sign = useMutation(
    trpc.esign.sign.mutationOptions({
      onSuccess: () => {
        void message.success(t('contracts.signed'));
        setReading(null);
        onChange();
      },
      onError: fail,
    }),
  );
  const fetchPdf = () => qc.fetchQuery(trpc.esign.download.queryOptions({ community, id: doc.id }, { staleTime: 0 }));
  const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString(lang, { timeZone: 'Asia/Shanghai' }) : '');
  const open = doc.status === 'sent';
  return (
    <Card
      data-testid="contract-item"
      data-status={doc.status}
      style={{ marginBottom: 12 }}
      styles={{ body: { padding: 16 } }}
    >
      <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8, alignItems: 'center' }}>
        <span style={{ fontWeight: 600, fontSize: token.fontSize * 1.15 }}>{doc.title}</span>
        <Tag color={statusColour[doc.status]} data-testid="contract-status">
          {t(`contracts.status.${doc.status}` as MessageKey)}
        </Tag>
      </div>
      <div style={{ color: token.colorTextSecondary, marginTop: 6 }}>
        {doc.signedAt
          ? `${t('contracts.signedAt')} ${when(doc.signedAt)}`
          : `${t('contracts.deadline')} ${when(doc.expiresAt)}`}
      </div>
      <Space wrap style={{ marginTop: 12 }}>
        <Button
          size="large"
          data-testid="contract-read"
          onClick={async () => {
            if (reading) return setReading(null);
            const f = await fetchPdf();
            setReading(pdfUrl(f.base64));
          }}
        >
          {reading ? t('contracts.hide') : t('contracts.read')}
        </Button>
        <Button
          size="large"
          data-testid="contract-download"
          onClick={async () => {
            const f = await fetchPdf();
            downloadPdf(f.base64, f.filename);
          }}
        >
          {t('contracts.download')}
        </Button>
      </Space>
      {reading ? (
        <iframe title={doc.title} src={reading} style={{ width: '100%', height: '60vh', border: 0, marginTop: 12 }} />
      ) : null}
      {open ? (
        <div style={{ marginTop: 12 }}>
          <Button
            size="large"
            type={codeSent ? 'default' : 'primary'}
            loading={requestCode.isPending}
            data-testid="contract-request-code"
            onClick={() => requestCode.mutate({ community, id: doc.id })}
          >
            {t('contracts.requestCode')}
          </Button>
          {codeSent ? (
            <>
              <Typography.Paragraph style={{ marginTop: 8 }} data-testid="contract-code-sent">
                {t('contracts.codeSent')}
              </Typography.Paragraph>
              <Space.Compact style={{ width: '100%' }}>
                <Input
                  size="large"
                  inputMode="numeric"
                  maxLength={6}
                  placeholder={t('contracts.code')}
                  value={code}
                  onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
                  data-testid="contract-code"
                />
                <Button
                  size="large"
                  type="primary"
                  disabled={code.length !== 6}
                  loading={sign.isPending}
                  data-testid="contract-sign"
                  onClick={() => sign.mutate({ community, id: doc.id, code })}
                >
                  {t('contracts.sign')}
                </Button>
              </Space.Compact>
            </>
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}

/** 待签合同: the resident's contracts, read, signed with a one-time code, downloaded. */
export function ContractsView({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const list = useQuery(trpc.esign.mine.queryOptions({ community }));
  if (list.isPending) return <PageLoading />;
  if (list.error) return <PageError error={list.error} onRetry={() => list.refetch()} />;
  return (
    <div style={{ marginTop: 16 }} data-testid="contracts">
      <Typography.Title level={4} style={{ margin: '0 0 16px' }} data-testid="page-title">
        {t('contracts.title')}
      </Typography.Title>
      {list.data.length === 0 ? <Empty description={t('contracts.empty')} /> : null}
      {list.data.map((d) => (
        <ContractCard key={d.id} community={community} doc={d} onChange={() => void list.refetch()} />
      ))}
    </div>
  );
}
