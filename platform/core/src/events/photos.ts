import { AppError } from '../errors.ts';

/** A photo may be at most 2 MB (decoded), an event at most 3 photos (the API takes 8 MB a request). */
export const maxPhotoBytes = 2 * 1024 * 1024;
export const maxPhotos = 3;

export interface StoredPhoto {
  contentType: 'image/jpeg' | 'image/png' | 'image/webp';
  data: string;
  size: number;
}

const dataUrlRe = /^data:(image\/(?:jpeg|png|webp));base64,([A-Za-z0-9+/]+={0,2})$/;

// The bytes must be what the data URL claims: a JPEG, PNG or WebP signature.
function sniff(bytes: Buffer): StoredPhoto['contentType'] | null {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'image/webp';
  return null;
}

/** Checks photos given as data URLs: type, real image signature, size; answers them ready to store. */
export function parsePhotos(urls: readonly string[]): StoredPhoto[] {
  if (urls.length > maxPhotos)
    throw new AppError('INVALID_INPUT', {
      zh: `最多上传 ${maxPhotos} 张照片`,
      en: `At most ${maxPhotos} photos per event`,
      fieldErrors: { photos: [`max ${maxPhotos}`] },
    });
  return urls.map((url, i) => {
    // Reject by length before decoding: 4 base64 characters carry 3 bytes.
    if (url.length > Math.ceil((maxPhotoBytes * 4) / 3) + 64) throw tooLarge(i);
    const m = dataUrlRe.exec(url);
    if (!m)
      throw new AppError('INVALID_INPUT', {
        zh: `第 ${i + 1} 张照片格式不支持（仅限 JPEG、PNG、WebP）`,
        en: `Photo ${i + 1} is not a JPEG, PNG or WebP data URL`,
        fieldErrors: { [`photos.${i}`]: ['unsupported'] },
      });
    const bytes = Buffer.from(m[2], 'base64');
    if (bytes.length > maxPhotoBytes) throw tooLarge(i);
    if (bytes.length === 0 || sniff(bytes) !== m[1])
      throw new AppError('INVALID_INPUT', {
        zh: `第 ${i + 1} 张照片内容与类型不符`,
        en: `Photo ${i + 1} is not the image type it claims to be`,
        fieldErrors: { [`photos.${i}`]: ['mismatch'] },
      });
    return { contentType: m[1] as StoredPhoto['contentType'], data: m[2], size: bytes.length };
  });
}

const tooLarge = (i: number) =>
  new AppError('INVALID_INPUT', {
    zh: `第 ${i + 1} 张照片超过 2 MB，请压缩后再上传`,
    en: `Photo ${i + 1} is larger than 2 MB; compress it and try again`,
    fieldErrors: { [`photos.${i}`]: ['too large'] },
  });
