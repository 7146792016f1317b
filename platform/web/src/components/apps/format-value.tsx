'use client';

import { Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import type { Lang } from '@/i18n/lang';
import type { PageField } from './app-types';

/** A field of a record by dotted path (`author.name`). */
export function fieldValue(record: unknown, path: string): unknown {
  let node: unknown = record;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

const locale = (lang: Lang) => (lang === 'en' ? 'en-GB' : 'zh-CN');

function asDate(value: unknown): Date | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A value as text, per the column's format; nothing shown for missing values. */
export function formatText(value: unknown, format: PageField['format'], lang: Lang): string {
  if (value === null || value === undefined || value === '') return '';
  if (format === 'datetime' || format === 'date') {
    const d = asDate(value);
    if (!d) return String(value);
    return format === 'date' ? d.toLocaleDateString(locale(lang)) : d.toLocaleString(locale(lang), { hour12: false });
  }
  if (format === 'number' && typeof value === 'number') return value.toLocaleString(locale(lang));
  if (typeof value === 'boolean') return value ? (lang === 'en' ? 'Yes' : '是') : lang === 'en' ? 'No' : '否';
  if (Array.isArray(value)) return value.map((v) => formatText(v, format, lang)).join('、');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A value rendered per the column's format: tags as tags, long text keeps its line breaks. */
export function FormatValue(props: {
  value: unknown;
  format: PageField['format'];
  lang: Lang;
  label?: (value: string, tag: boolean) => string;
}) {
  const { format, lang, label } = props;
  const tag = format === 'tag';
  const value = label && typeof props.value === 'string' ? label(props.value, tag) : props.value;
  if (tag && value !== null && value !== undefined && value !== '') {
    const list = Array.isArray(value) ? value : [value];
    return (
      <>
        {list.map((v) => (
          <Tag key={String(v)}>{typeof v === 'string' && label ? label(v, true) : formatText(v, 'text', lang)}</Tag>
        ))}
      </>
    );
  }
  const text: ReactNode = formatText(value, format, lang);
  if (format === 'long-text') return <Typography.Text style={{ whiteSpace: 'pre-wrap' }}>{text}</Typography.Text>;
  return <>{text}</>;
}

/** The id a row passes to row actions and detail pages. */
export function recordId(record: unknown): string | undefined {
  const id = fieldValue(record, 'id');
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}
