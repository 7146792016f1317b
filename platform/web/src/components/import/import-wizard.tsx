'use client';

import { DownloadOutlined, InboxOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Radio, Result, Space, Steps, Typography, Upload } from 'antd';
import Link from 'next/link';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { isUndertakingMissing, useEntryGuard } from '../entry/use-entry-guard';
import { PEOPLE_LIST_KEY } from '../people/use-people';
import { type ChosenFile, ImportFailed, type ImportKind, type ImportReport, postImport } from './import-api';
import { ImportReportView } from './import-report';
import { downloadTemplate } from './import-template';

const ACCEPT = '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Choose what to import → upload → dry run report → commit → result. Nothing is written before "确认导入". */
export function ImportWizard({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const queryClient = useQueryClient();
  const [step, setStep] = useState(0);
  const [kind, setKind] = useState<ImportKind>('people');
  const [file, setFile] = useState<ChosenFile | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const entry = useEntryGuard();

  const run = useMutation({
    mutationFn: ({ dryRun }: { dryRun: boolean }) => postImport(kind, community, file!, dryRun),
    onSuccess: async (r) => {
      setReport(r);
      setStep(r.committed ? 3 : 2);
      if (r.committed) await queryClient.invalidateQueries({ queryKey: [PEOPLE_LIST_KEY] });
    },
    onError: (error) => {
      if (isUndertakingMissing(error)) entry.recheck();
    },
  });
  const failure =
    run.error instanceof ImportFailed && run.error.data
      ? lang === 'en'
        ? run.error.data.messageEn
        : run.error.data.messageZh
      : run.error
        ? t('common.networkError')
        : null;

  const chooseAgain = () => {
    setFile(null);
    setReport(null);
    run.reset();
    setStep(1);
  };
  const restart = () => {
    chooseAgain();
    setStep(0);
  };

  return (
    <Space orientation="vertical" size={24} style={{ width: '100%' }}>
      <Steps
        current={step}
        items={[
          { title: t('import.step.kind') },
          { title: t('import.step.upload') },
          { title: t('import.step.check') },
          { title: t('import.step.done') },
        ]}
      />
      {failure ? <Alert type="error" showIcon title={failure} data-testid="import-failure" /> : null}

      {step === 0 ? (
        <Space orientation="vertical" size={16}>
          <Radio.Group
            value={kind}
            onChange={(e) => setKind(e.target.value)}
            optionType="button"
            buttonStyle="solid"
            data-testid="import-kind"
            options={[
              { value: 'people', label: t('import.kind.people') },
              { value: 'houses', label: t('import.kind.houses') },
              { value: 'vehicles', label: t('import.kind.vehicles') },
            ]}
          />
          <Button
            type="link"
            icon={<DownloadOutlined />}
            style={{ paddingInline: 0 }}
            onClick={() => downloadTemplate(kind, `${t(`import.kind.${kind}`)}${t('import.templateSuffix')}.csv`)}
            data-testid="import-template"
          >
            {t('import.template', { kind: t(`import.kind.${kind}`) })}
          </Button>
          <Button type="primary" onClick={() => setStep(1)} data-testid="import-next">
            {t('import.next')}
          </Button>
        </Space>
      ) : null}

      {step === 1 ? (
        <Space orientation="vertical" size={16} style={{ width: '100%' }}>
          <Upload.Dragger
            accept={ACCEPT}
            multiple={false}
            showUploadList={false}
            beforeUpload={(f) => {
              f.arrayBuffer().then((data) => {
                run.reset();
                setFile({ name: f.name, data });
              });
              return false;
            }}
          >
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p className="ant-upload-text">{t('import.drop')}</p>
            <p className="ant-upload-hint">{t('import.dropHint')}</p>
          </Upload.Dragger>
          {file ? (
            <Typography.Text data-testid="import-file">{t('import.chosen', { name: file.name })}</Typography.Text>
          ) : null}
          <Space>
            <Button onClick={restart}>{t('import.back')}</Button>
            <Button
              type="primary"
              disabled={!file}
              loading={run.isPending}
              onClick={() => entry.guard(() => run.mutate({ dryRun: true }))}
              data-testid="import-dryrun"
            >
              {t('import.dryRun')}
            </Button>
          </Space>
        </Space>
      ) : null}

      {step === 2 && report ? (
        <Space orientation="vertical" size={16} style={{ width: '100%' }}>
          <ImportReportView report={report} />
          <Space>
            <Button onClick={chooseAgain} data-testid="import-reupload">
              {t('import.reupload')}
            </Button>
            <Button
              type="primary"
              disabled={report.errors.length > 0 || report.valid === 0}
              loading={run.isPending}
              onClick={() => entry.guard(() => run.mutate({ dryRun: false }))}
              data-testid="import-commit"
            >
              {t('import.commit')}
            </Button>
          </Space>
        </Space>
      ) : null}

      {step === 3 && report ? (
        <Result
          status="success"
          title={t('import.done')}
          subTitle={
            <span data-testid="import-result">
              {t('import.result', { created: report.created, unchanged: report.unchanged })}
              {report.proposed > 0 ? `；${t('import.proposed', { count: report.proposed })}` : ''}
            </span>
          }
          extra={
            <Space>
              {report.proposed > 0 ? (
                <Link href="/console/merges" data-testid="import-to-merges">
                  <Button>{t('import.toMerges')}</Button>
                </Link>
              ) : null}
              <Button type="primary" onClick={restart} data-testid="import-again">
                {t('import.again')}
              </Button>
            </Space>
          }
        />
      ) : null}
      {entry.modal}
    </Space>
  );
}
