'use client';

import { Alert, Col, Row, Statistic, Table, type TableColumnsType } from 'antd';
import type { HTMLAttributes } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { pickLang } from '@/lib/bilingual';
import type { ImportReport } from './import-api';

type RowError = ImportReport['errors'][number] & { key: number };

const errorRowProps = () => ({ 'data-testid': 'import-error-row' }) as HTMLAttributes<HTMLElement>;

/** The dry run's verdict: counts, then every refused row with its spreadsheet row number. */
export function ImportReportView({ report }: { report: ImportReport }) {
  const t = useT();
  const { lang } = useLang();
  const columns: TableColumnsType<RowError> = [
    { title: t('import.col.row'), dataIndex: 'row', width: 90 },
    { title: t('import.col.column'), dataIndex: 'column', width: 160 },
    { title: t('import.col.reason'), dataIndex: 'reason', render: (v: string) => pickLang(v, lang) },
  ];
  const errorRows = new Set(report.errors.map((e) => e.row)).size;
  return (
    <div data-testid="import-report">
      <Row gutter={16} style={{ marginBottom: 16 }}>
        <Col span={6}>
          <Statistic title={t('import.rows')} value={report.rows} />
        </Col>
        <Col span={6}>
          <Statistic title={t('import.valid')} value={report.valid} />
        </Col>
        <Col span={6}>
          <span data-testid="import-error-count">
            <Statistic title={t('import.errorRows')} value={errorRows} />
          </span>
        </Col>
      </Row>
      {report.proposals.length > 0 ? (
        <Alert
          type="info"
          showIcon
          title={t('import.proposals', { count: report.proposals.length })}
          style={{ marginBottom: 16 }}
          data-testid="import-proposals"
        />
      ) : null}
      {report.errors.length === 0 ? (
        <Alert type="success" showIcon title={t('import.noErrors')} data-testid="import-ok" />
      ) : (
        <>
          <Alert type="warning" showIcon title={t('import.hasErrors')} style={{ marginBottom: 16 }} />
          <div data-testid="import-errors">
            <Table<RowError>
              size="small"
              columns={columns}
              dataSource={report.errors.map((e, i) => ({ ...e, key: i }))}
              onRow={errorRowProps}
              pagination={{ pageSize: 50, hideOnSinglePage: true }}
            />
          </div>
        </>
      )}
    </div>
  );
}
