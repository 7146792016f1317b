export * from './catalog.ts';
export * from './demo.ts';
export * from './provision.ts';
export * from './simulator.ts';
