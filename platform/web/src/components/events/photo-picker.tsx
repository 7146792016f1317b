'use client';

import { CameraOutlined, DeleteOutlined } from '@ant-design/icons';
import { App, Button } from 'antd';
import { useRef } from 'react';
import { useT } from '@/i18n/lang-provider';

const maxPhotos = 3;
const maxBytes = 2 * 1024 * 1024;

/** Reads an image file and re-encodes it as a JPEG of at most 1600 px on the long side (phone photos are 5–10 MB). */
async function compress(file: File): Promise<string> {
  const url = URL.createObjectURL(file);
  try {
    const img = await new Promise<HTMLImageElement>((resolve, reject) => {
      const i = new Image();
      i.onload = () => resolve(i);
      i.onerror = () => reject(new Error('not an image'));
      i.src = url;
    });
    const scale = Math.min(1, 1600 / Math.max(img.naturalWidth, img.naturalHeight));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
    canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
    canvas.getContext('2d')?.drawImage(img, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL('image/jpeg', 0.8);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Decoded size of a base64 data URL. */
const bytesOf = (dataUrl: string) => Math.floor(((dataUrl.length - dataUrl.indexOf(',') - 1) * 3) / 4);

/** Up to three photos, taken with the camera or chosen, compressed in the browser, shown as large thumbnails. */
export function PhotoPicker({ value, onChange }: { value: string[]; onChange: (photos: string[]) => void }) {
  const t = useT();
  const { message } = App.useApp();
  const input = useRef<HTMLInputElement>(null);
  const add = async (files: FileList | null) => {
    const next = [...value];
    for (const f of Array.from(files ?? [])) {
      if (next.length >= maxPhotos) {
        message.warning(t('events.photo.tooMany'));
        break;
      }
      const url = await compress(f).catch(() => null);
      if (!url || bytesOf(url) > maxBytes) {
        message.error(t('events.photo.tooLarge'));
        continue;
      }
      next.push(url);
    }
    onChange(next);
    if (input.current) input.current.value = '';
  };
  return (
    <div>
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8 }}>
        {value.map((p, i) => (
          <div key={p.slice(-32)} style={{ position: 'relative' }}>
            {/* biome-ignore lint/performance/noImgElement: data URLs of the resident's own photos, not optimisable. */}
            <img
              src={p}
              alt=""
              data-testid="event-photo-thumb"
              style={{ width: 96, height: 96, objectFit: 'cover', borderRadius: 8 }}
            />
            <Button
              size="small"
              danger
              shape="circle"
              icon={<DeleteOutlined />}
              aria-label="delete"
              style={{ position: 'absolute', top: 4, right: 4 }}
              onClick={() => onChange(value.filter((_, j) => j !== i))}
            />
          </div>
        ))}
      </div>
      {value.length < maxPhotos ? (
        <Button
          icon={<CameraOutlined />}
          size="large"
          style={{ marginTop: 8 }}
          onClick={() => input.current?.click()}
          data-testid="event-add-photo"
        >
          {t('events.field.addPhoto')}
        </Button>
      ) : null}
      <input
        ref={input}
        type="file"
        accept="image/*"
        capture="environment"
        multiple
        hidden
        data-testid="event-photo-input"
        onChange={(e) => void add(e.target.files)}
      />
    </div>
  );
}
