'use client';

import type { AppRouter } from '@shequ/api';
import { createTRPCContext } from '@trpc/tanstack-react-query';

export type { AppRouter };
export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();
