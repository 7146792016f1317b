'use client';

import { useMutation } from '@tanstack/react-query';
import type { ButtonProps } from 'antd';
import { Alert, App, Form, Input, InputNumber, Modal } from 'antd';
import { useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { fenOfYuan, yuan } from './money';

export interface RefundTarget {
  id: string;
  subject: string;
  refundableFen: number;
}

/**
 * Refund with an amount (yuan, two decimals; empty = everything left) and a reason. The server decides what may be
 * refunded: a refund above it comes back as the clear error shown in the dialog.
 */
export function RefundModal({
  community,
  target,
  onClose,
}: {
  community: string;
  target: RefundTarget | null;
  onClose: (done: boolean) => void;
}) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ amount?: number; reason?: string }>();
  const [error, setError] = useState<string | null>(null);
  const refund = useMutation(
    trpc.payment.refund.mutationOptions({
      onSuccess: (r) => {
        message.success(t('payment.refund.done', { yuan: yuan(r.refund.amountFen) }));
        form.resetFields();
        setError(null);
        onClose(true);
      },
      onError: (e) => setError(errorMessage(e, lang, t('common.networkError'))),
    }),
  );
  return (
    <Modal
      open={!!target}
      title={target ? t('payment.refund.title', { subject: target.subject }) : ''}
      okText={t('payment.refund.ok')}
      okButtonProps={{ danger: true, loading: refund.isPending, 'data-testid': 'refund-ok' } as ButtonProps}
      onCancel={() => {
        setError(null);
        form.resetFields();
        onClose(false);
      }}
      onOk={() => {
        if (!target) return;
        const v = form.getFieldsValue();
        refund.mutate({
          community,
          orderId: target.id,
          amountFen: v.amount ? fenOfYuan(v.amount) : undefined,
          reason: v.reason || undefined,
        });
      }}
      destroyOnHidden
    >
      {error ? (
        <Alert type="error" showIcon title={error} data-testid="refund-error" style={{ marginBottom: 12 }} />
      ) : null}
      <Form form={form} layout="vertical">
        <Form.Item
          name="amount"
          label={t('payment.refund.amount')}
          extra={target ? t('payment.refund.max', { yuan: yuan(target.refundableFen) }) : null}
        >
          <InputNumber min={0.01} precision={2} step={1} style={{ width: '100%' }} data-testid="refund-amount" />
        </Form.Item>
        <Form.Item name="reason" label={t('payment.refund.reason')}>
          <Input maxLength={200} data-testid="refund-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
