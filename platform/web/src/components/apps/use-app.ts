'use client';

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC, useTRPCClient } from '@/lib/trpc';
import type { Audience } from './app-types';

/** Query key prefix of handler reads, so a write through the same app refreshes what its pages show. */
export const HANDLER_READ_KEY = 'plugins.invoke.read';

export function useAppDef(community: string, pluginId: string, audience: Audience) {
  const trpc = useTRPC();
  return useQuery(trpc.plugins.app.queryOptions({ community, pluginId, audience }));
}

/** A page's data: the source handler called with the page's input (invoke is a mutation on the wire). */
export function useHandlerData(community: string, pluginId: string, handler: string, input: unknown, enabled = true) {
  const client = useTRPCClient();
  return useQuery({
    queryKey: [HANDLER_READ_KEY, community, pluginId, handler, input],
    queryFn: () => client.plugins.invoke.mutate({ community, pluginId, handler, input }) as Promise<unknown>,
    enabled,
    staleTime: 0,
    // A new filter or page keeps the rows on screen until the answer arrives, rather than flashing a spinner.
    placeholderData: keepPreviousData,
  });
}

/** Calls a handler that changes something, then refreshes every page of the app. */
export function useInvoke(community: string, pluginId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMutation(
    trpc.plugins.invoke.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: [HANDLER_READ_KEY, community, pluginId] }),
    }),
  );
}
