'use client';

import { useMutation } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { Alert, App, Button, Descriptions, Upload } from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import type { AppErrorData } from '@/lib/app-error';
import { errorMessage } from '@/lib/app-error';
import type { useTRPC } from '@/lib/trpc';

type Report = inferOutput<ReturnType<typeof useTRPC>['esign']['verify']>;

/** The PDF as the raw body of the public verify route (files up to 20 MB; no base64 inflation). */
async function postVerify(file: Blob): Promise<Report> {
  const res = await fetch('/api/esign/verify?format=json', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/pdf' },
    body: file,
  });
  const body = (await res.json().catch(() => null)) as (Report & { error?: AppErrorData }) | null;
  if (!res.ok || !body || body.error) throw { data: body?.error ?? null };
  return body;
}

/** Upload a PDF and get a plain report: signature, chain to the platform root, timestamp, whole-file coverage. */
export function VerifyPanel() {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const [report, setReport] = useState<Report | null>(null);
  const verify = useMutation({
    mutationFn: postVerify,
    onSuccess: setReport,
    onError: (e) => void message.error(errorMessage(e, lang, t('esign.verify.invalid'))),
  });
  const yes = (b: boolean) => (b ? t('esign.verify.yes') : t('esign.verify.no'));
  return (
    <div data-testid="esign-verify">
      <Upload
        accept="application/pdf,.pdf"
        showUploadList={false}
        beforeUpload={async (file) => {
          setReport(null);
          verify.mutate(file);
          return false;
        }}
      >
        <Button size="large" loading={verify.isPending} data-testid="esign-verify-upload">
          {t('esign.verify.upload')}
        </Button>
      </Upload>
      {report ? (
        <div style={{ marginTop: 16 }} data-testid="esign-verify-report" data-valid={report.valid ? 'yes' : 'no'}>
          <Alert
            type={report.valid ? 'success' : 'error'}
            showIcon
            message={report.valid ? t('esign.verify.valid') : t('esign.verify.invalid')}
            description={
              report.problems.length ? (
                <ul style={{ margin: 0, paddingLeft: 18 }} data-testid="esign-verify-problems">
                  {report.problems.map((p) => (
                    <li key={p.code} data-code={p.code}>
                      {lang === 'en' ? p.en : p.zh}
                    </li>
                  ))}
                </ul>
              ) : null
            }
          />
          {report.signatures.map((s, i) => (
            <Descriptions
              // biome-ignore lint/suspicious/noArrayIndexKey: signatures have no id; their order is the file's.
              key={i}
              style={{ marginTop: 12 }}
              bordered
              size="small"
              column={1}
              items={[
                { key: 'signer', label: t('esign.verify.signer'), children: s.signer },
                {
                  key: 'time',
                  label: t('esign.verify.time'),
                  children: s.timestampedAt ? new Date(s.timestampedAt).toLocaleString(lang) : '—',
                },
                { key: 'sig', label: t('esign.verify.signature'), children: yes(s.signatureValid) },
                { key: 'chain', label: t('esign.verify.chain'), children: yes(s.chainValid) },
                { key: 'ts', label: t('esign.verify.timestamp'), children: yes(s.timestampValid) },
                { key: 'cov', label: t('esign.verify.coverage'), children: yes(s.coversWholeFile) },
              ]}
            />
          ))}
          <div style={{ marginTop: 8, wordBreak: 'break-all', fontSize: 12 }}>
            {t('esign.verify.sha256')}: {report.sha256}
          </div>
        </div>
      ) : null}
    </div>
  );
}
