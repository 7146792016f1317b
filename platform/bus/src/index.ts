export * from './memory-bus.ts';
export * from './nats-bus.ts';
export * from './outbox.ts';
export * from './types.ts';
