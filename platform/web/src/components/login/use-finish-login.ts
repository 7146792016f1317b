'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { firstShell, safeNext } from '@/lib/shells';
import { useTRPC } from '@/lib/trpc';
import { LoginNotice } from './login-error';

/** After the session exists: go where the user was headed, else to their first shell. */
export function useFinishLogin(next: string | null) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  return async () => {
    // A failed visit before login may have cached "unauthenticated"; start from a clean slate.
    queryClient.removeQueries();
    const me = await queryClient.fetchQuery(trpc.auth.me.queryOptions());
    const target = safeNext(next) ?? (firstShell(me) ? `/${firstShell(me)}` : null);
    if (!target) throw new LoginNotice('login.noShell');
    router.replace(target);
  };
}
