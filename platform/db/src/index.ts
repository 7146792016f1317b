export * from './client.ts';
export * from './lock.ts';
export * from './schema/index.ts';
export * from './scope.ts';
export * from './testing.ts';
