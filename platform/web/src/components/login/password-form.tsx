'use client';

import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { useMutation } from '@tanstack/react-query';
import { Button, Form, Input } from 'antd';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { applyFieldErrors } from './field-errors';

type Values = { identifier: string; password: string };

export function PasswordForm({
  onDone,
  onError,
}: {
  onDone: (mfaRequired: boolean) => Promise<void>;
  onError: (e: unknown) => void;
}) {
  const t = useT();
  const trpc = useTRPC();
  const [form] = Form.useForm<Values>();
  const login = useMutation(trpc.auth.login.mutationOptions());

  const submit = async (values: Values) => {
    onError(null);
    try {
      const res = await login.mutateAsync({ identifier: values.identifier.trim(), password: values.password });
      await onDone(res.mfaRequired);
    } catch (e) {
      applyFieldErrors(form, e);
      form.setFieldValue('password', '');
      onError(e);
    }
  };

  return (
    <Form form={form} name="login-password" layout="vertical" size="large" requiredMark={false} onFinish={submit}>
      <Form.Item
        label={t('login.identifier')}
        name="identifier"
        rules={[{ required: true, whitespace: true, message: t('login.identifier.required') }]}
      >
        <Input
          prefix={<UserOutlined />}
          placeholder={t('login.identifier.placeholder')}
          autoComplete="username"
          data-testid="login-identifier"
        />
      </Form.Item>
      <Form.Item
        label={t('login.password')}
        name="password"
        rules={[{ required: true, message: t('login.password.required') }]}
      >
        <Input.Password
          prefix={<LockOutlined />}
          placeholder={t('login.password.placeholder')}
          autoComplete="current-password"
          data-testid="login-password"
        />
      </Form.Item>
      <Button type="primary" htmlType="submit" block loading={login.isPending} data-testid="login-submit">
        {t('login.submit')}
      </Button>
    </Form>
  );
}
