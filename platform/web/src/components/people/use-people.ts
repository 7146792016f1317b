'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useTRPC, useTRPCClient } from '@/lib/trpc';
import type { PeopleFilter } from './search-input';

export const PEOPLE_LIST_KEY = 'base.people.list.pages';
const PAGE_SIZE = 20;

/** People of a community page by page (keyset cursor), plus the community's total. */
export function usePeople(community: string, filter: PeopleFilter) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const list = useInfiniteQuery({
    queryKey: [PEOPLE_LIST_KEY, community, filter],
    queryFn: ({ pageParam }) =>
      client.base.people.list.query({ community, ...filter, after: pageParam ?? undefined, limit: PAGE_SIZE }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const count = useQuery(trpc.base.people.count.queryOptions({ community }));
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return { list, items, total: count.data?.count };
}
