export * from './broadcast.ts';
export * from './channel.ts';
export * from './send.ts';
export * from './templates.ts';
