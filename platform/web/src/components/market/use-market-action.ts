'use client';

import { useQueryClient } from '@tanstack/react-query';
import { App } from 'antd';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';

/** Success and error toasts for marketplace mutations, and a refresh of every market query afterwards. */
export function useMarketAction() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const { lang } = useLang();
  const t = useT();
  return {
    onSuccess: async (text?: string) => {
      message.success(text ?? t('market.done'));
      await queryClient.invalidateQueries({ queryKey: trpc.market.pathKey() });
      await queryClient.invalidateQueries({ queryKey: trpc.plugins.pathKey() });
    },
    onError: (error: unknown) => message.error(errorMessage(error, lang, t('common.unknownError'))),
  };
}
