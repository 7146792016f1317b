export * from './ca.ts';
export * from './documents.ts';
export { contractFontFor } from './font.ts';
export {
  certifyPublicKey,
  exportKey,
  fromPem,
  hasCriticalTimestampingEku,
  issueCertificate,
  type KeyedCert,
  publicKeyOfCsr,
  toPem,
} from './pki.ts';
export { renderContract, templateKeys } from './render.ts';
export { CONTENTS_BYTES, signPdf } from './sign.ts';
export * from './signing.ts';
export * from './templates.ts';
export { TimeStampAuthority, timeStampRequest, tokenOf } from './tsa.ts';
export { type Problem, type SignatureReport, type VerifyReport as PdfVerifyReport, verifyPdf } from './verify.ts';
