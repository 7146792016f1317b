import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/lib/trpc';

type Market = inferRouterOutputs<AppRouter>['market'];
export type CatalogApp = Market['browse']['apps'][number];
export type AppDetail = Market['app'];
export type MarketInstall = Market['installs'][number];
export type Submission = Market['queue'][number];
export type Report = Market['report'];
export type ReportItem = Report['items'][number];
