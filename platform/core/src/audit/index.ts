export * from './audit-batcher.ts';
export * from './audit-service.ts';
export * from './chain.ts';
export * from './export.ts';
