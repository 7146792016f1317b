'use client';

import { Empty, Typography, theme } from 'antd';
import { useLang } from '@/i18n/lang-provider';

export interface LedgerEntry {
  seq: number;
  reason: string;
  at: string;
  amount: number;
}

/** A ledger's entries, newest first: reason and time on the left, the signed amount on the right (积分 or 时间银行). */
export function LedgerHistory(props: {
  entries: LedgerEntry[];
  empty: string;
  testId: string;
  format?: (amount: number) => string | number;
}) {
  const { lang } = useLang();
  const { token } = theme.useToken();
  const format = props.format ?? ((n: number) => n);
  const when = (iso: string) =>
    new Intl.DateTimeFormat(lang, { month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(
      new Date(iso),
    );
  if (props.entries.length === 0) return <Empty description={props.empty} />;
  return (
    <div data-testid={props.testId}>
      {props.entries.map((e) => (
        <div
          key={e.seq}
          style={{ display: 'flex', alignItems: 'center', gap: 8, padding: '12px 0', borderTop: '1px solid #f0f0f0' }}
        >
          <span style={{ flex: 1 }}>
            <div>{e.reason}</div>
            <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
              {when(e.at)}
            </Typography.Text>
          </span>
          <span style={{ fontWeight: 600, color: e.amount > 0 ? token.colorSuccess : token.colorText }}>
            {`${e.amount > 0 ? '+' : ''}${format(e.amount)}`}
          </span>
        </div>
      ))}
    </div>
  );
}
