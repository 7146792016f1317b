'use client';

import { useMutation } from '@tanstack/react-query';
import { Alert, Checkbox, Input, Modal, Space, Typography } from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

export const REVEALABLE = ['idNumber', 'phone', 'healthStatus', 'birthDate'] as const;
export type Revealable = (typeof REVEALABLE)[number];
export type Revealed = Partial<Record<Revealable, string | null>>;

const MIN_REASON = 4;

/** Asks which sensitive fields to show and why; the server audits the read with the reason. */
export function RevealDialog(props: {
  community: string;
  personId: string;
  open: boolean;
  onClose(): void;
  onRevealed(values: Revealed): void;
}) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const [fields, setFields] = useState<Revealable[]>(['idNumber', 'phone']);
  const [reason, setReason] = useState('');
  const reveal = useMutation(
    trpc.base.people.reveal.mutationOptions({
      onSuccess: (values) => {
        props.onRevealed(values);
        setReason('');
        props.onClose();
      },
    }),
  );
  const ready = reason.trim().length >= MIN_REASON && fields.length > 0;

  return (
    <Modal
      open={props.open}
      title={t('people.reveal.title')}
      okText={t('people.reveal.confirm')}
      cancelText={t('common.cancel')}
      onCancel={props.onClose}
      onOk={() => reveal.mutate({ community: props.community, id: props.personId, fields, reason: reason.trim() })}
      okButtonProps={{ disabled: !ready, loading: reveal.isPending, 'data-testid': 'reveal-confirm' }}
      modalRender={(node) => <div data-testid="reveal-dialog">{node}</div>}
      destroyOnHidden
    >
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        <Typography.Text type="secondary">{t('people.reveal.hint')}</Typography.Text>
        <Checkbox.Group<Revealable>
          value={fields}
          onChange={(v) => setFields(v)}
          options={REVEALABLE.map((f) => ({ value: f, label: t(`people.field.${f}`) }))}
        />
        <div>
          <Typography.Text strong>{t('people.reveal.reason')}</Typography.Text>
          <Input.TextArea
            data-testid="reveal-reason"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            maxLength={200}
            rows={3}
            placeholder={t('people.reveal.reasonPlaceholder')}
          />
        </div>
        {reveal.error ? (
          <Alert type="error" showIcon title={errorMessage(reveal.error, lang, t('common.unknownError'))} />
        ) : null}
      </Space>
    </Modal>
  );
}
