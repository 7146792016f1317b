'use client';

import { RightOutlined } from '@ant-design/icons';
import { theme } from 'antd';
import Link from 'next/link';
import type { ReactNode } from 'react';

/**
 * A big tap target on the resident home and on "我的" (household, events, messages, points): an icon, a title, a
 * one-line hint and an arrow, at least 64 px high and scaled with large text.
 */
export function EntryCard(props: {
  href: string;
  testId: string;
  icon: (token: ReturnType<typeof theme.useToken>['token']) => ReactNode;
  title: string;
  hint: ReactNode;
  hintTestId?: string;
  tone?: 'blue' | 'orange';
}) {
  const { token } = theme.useToken();
  return (
    <Link
      href={props.href}
      data-testid={props.testId}
      style={{
        display: 'flex',
        alignItems: 'center',
        gap: 12,
        marginTop: 16,
        padding: '14px 16px',
        minHeight: 64,
        borderRadius: 12,
        background: props.tone === 'orange' ? '#fff7e6' : '#f5f8ff',
        color: 'inherit',
        textDecoration: 'none',
      }}
    >
      {props.icon(token)}
      <span style={{ flex: 1, display: 'flex', flexDirection: 'column' }}>
        <span style={{ fontWeight: 600, fontSize: token.fontSize * 1.1 }}>{props.title}</span>
        <span style={{ color: token.colorTextSecondary, fontSize: token.fontSizeSM }} data-testid={props.hintTestId}>
          {props.hint}
        </span>
      </span>
      <RightOutlined style={{ color: token.colorTextTertiary }} />
    </Link>
  );
}
