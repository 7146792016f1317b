'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useTRPC } from '@/lib/trpc';

export function useLogout() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const mutation = useMutation(trpc.auth.logout.mutationOptions());
  const logout = async () => {
    try {
      await mutation.mutateAsync();
    } catch {
      // An expired session is already logged out; the user still expects to land on the login page.
    }
    // Nothing from the previous user may stay in memory for the next one on a shared device.
    queryClient.clear();
    router.replace('/login');
  };
  return { logout, pending: mutation.isPending };
}
