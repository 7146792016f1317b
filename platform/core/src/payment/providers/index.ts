export * from './alipay.ts';
export * from './alipay-rsa2.ts';
export * from './sandbox.ts';
export * from './transport.ts';
export type * from './types.ts';
export * from './unionpay.ts';
export * from './wechat.ts';
export * from './wechat-v3.ts';
