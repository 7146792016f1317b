export * from './fees.ts';
export * from './follow.ts';
export * from './gate.ts';
export * from './records.ts';
export * from './settings.ts';
export * from './stats.ts';
export * from './visitors.ts';
