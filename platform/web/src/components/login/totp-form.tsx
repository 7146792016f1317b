'use client';

import { useMutation } from '@tanstack/react-query';
import { Button, Form, Input, Typography } from 'antd';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';

type Values = { code: string };

/** Second step for administrators: the session is only complete after a valid TOTP code. */
export function TotpForm({
  onDone,
  onError,
  onBack,
}: {
  onDone: () => Promise<void>;
  onError: (e: unknown) => void;
  onBack: () => void;
}) {
  const t = useT();
  const trpc = useTRPC();
  const [form] = Form.useForm<Values>();
  const verify = useMutation(trpc.auth.verifyTotp.mutationOptions());

  const submit = async (values: Values) => {
    onError(null);
    try {
      await verify.mutateAsync({ code: values.code });
      await onDone();
    } catch (e) {
      form.setFieldValue('code', '');
      onError(e);
    }
  };

  return (
    <Form form={form} name="login-totp" layout="vertical" size="large" requiredMark={false} onFinish={submit}>
      <Typography.Title level={4}>{t('login.totp.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('login.totp.hint')}</Typography.Paragraph>
      <Form.Item
        label={t('login.totp.code')}
        name="code"
        rules={[{ required: true, pattern: /^\d{6}$/, message: t('login.totp.invalid') }]}
      >
        <Input inputMode="numeric" autoComplete="one-time-code" maxLength={6} autoFocus data-testid="totp-code" />
      </Form.Item>
      <Button type="primary" htmlType="submit" block loading={verify.isPending}>
        {t('login.totp.submit')}
      </Button>
      <Button type="link" block onClick={onBack} style={{ marginTop: 8 }}>
        {t('login.totp.back')}
      </Button>
    </Form>
  );
}
