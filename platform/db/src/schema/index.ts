export * from './audit.ts';
export * from './base.ts';
export * from './bus.ts';
export * from './identity.ts';
export * from './iot.ts';
export * from './plugin.ts';
export * from './rules.ts';
export * from './tenancy.ts';
