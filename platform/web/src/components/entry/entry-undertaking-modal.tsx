'use client';

import { Alert, Checkbox, Modal, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';

/** The confidentiality undertaking: the text, an "I agree" tick, and a confirm button that waits for the tick. */
export function EntryUndertakingModal(props: {
  open: boolean;
  text: { zh: string; en: string } | undefined;
  version: string | undefined;
  pending: boolean;
  error: string | null;
  onAccept(): void;
  onCancel(): void;
}) {
  const t = useT();
  const { lang } = useLang();
  const [agreed, setAgreed] = useState(false);
  useEffect(() => {
    if (!props.open) setAgreed(false);
  }, [props.open]);

  return (
    <Modal
      open={props.open}
      title={t('entry.title')}
      okText={t('entry.accept')}
      cancelText={t('common.cancel')}
      onOk={props.onAccept}
      onCancel={props.onCancel}
      okButtonProps={{ disabled: !agreed || !props.text, loading: props.pending, 'data-testid': 'entry-accept' }}
      cancelButtonProps={{ 'data-testid': 'entry-cancel' } as Record<string, string>}
      modalRender={(node) => <div data-testid="entry-undertaking">{node}</div>}
      maskClosable={false}
      destroyOnHidden
    >
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        <Typography.Text type="secondary">{t('entry.hint', { version: props.version ?? '' })}</Typography.Text>
        <Typography.Paragraph data-testid="entry-text" style={{ marginBottom: 0 }}>
          {props.text ? (lang === 'en' ? props.text.en : props.text.zh) : ''}
        </Typography.Paragraph>
        <Checkbox checked={agreed} onChange={(e) => setAgreed(e.target.checked)} data-testid="entry-agree">
          {t('entry.agree')}
        </Checkbox>
        {props.error ? <Alert type="error" showIcon title={props.error} /> : null}
      </Space>
    </Modal>
  );
}
