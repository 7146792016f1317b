export * from './alarm-events.ts';
export * from './model.ts';
export * from './photos.ts';
export * from './queries.ts';
export * from './report.ts';
export * from './sla.ts';
export * from './transition.ts';
export * from './workflow.ts';
