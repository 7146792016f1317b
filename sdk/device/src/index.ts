export * from './device-client.ts';
export * from './sign.ts';
