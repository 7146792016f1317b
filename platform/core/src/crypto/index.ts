export * from './field-crypto.ts';
export * from './keyring.ts';
export * from './mask.ts';
