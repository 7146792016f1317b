/** Validation and normalisation of community base data (IDs, codes, phones, plates). */

export * from './birth-date.ts';
export * from './credit-code.ts';
export * from './id-number.ts';
export * from './mobile.ts';
export * from './passport.ts';
export * from './plate.ts';
export * from './result.ts';
