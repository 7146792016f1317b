import type { Metadata } from 'next';
import { Suspense } from 'react';
import { LoginView } from '@/components/login/login-view';

export const metadata: Metadata = { title: '登录 · 社区' };

export default function LoginPage() {
  return (
    <Suspense>
      <LoginView />
    </Suspense>
  );
}
