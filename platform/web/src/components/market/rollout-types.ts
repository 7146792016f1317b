import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/lib/trpc';

type Market = inferRouterOutputs<AppRouter>['market'];
export type RolloutOverview = Market['rollouts']['overview'];
export type RolloutView = RolloutOverview['rollouts'][number];
export type RolloutCommunity = RolloutView['communities'][number];
export type InstalledCommunity = RolloutOverview['communities'][number];
export type MetricRow = Market['metrics'][number];

/** A share as a percentage with one decimal. */
export const percent = (x: number) => `${Math.round(x * 1000) / 10}%`;
