export * from './ca.ts';
export * from './documents.ts';
export { contractFontFor } from './font.ts';
export { hasCriticalTimestampingEku, issueCertificate, type KeyedCert } from './pki.ts';
export { renderContract, templateKeys } from './render.ts';
export { CONTENTS_BYTES, signPdf } from './sign.ts';
export * from './templates.ts';
export { TimeStampAuthority, timeStampRequest, tokenOf } from './tsa.ts';
export { type Problem, type SignatureReport, type VerifyReport as PdfVerifyReport, verifyPdf } from './verify.ts';
