import { FaceError } from './face-errors.ts';

const JPEG = [0xff, 0xd8, 0xff];
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const ACCEPTED_TYPES: Record<string, 'jpeg' | 'png'> = {
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/png': 'png',
};

const startsWith = (bytes: Uint8Array, magic: number[]) => magic.every((b, i) => bytes[i] === b);

/**
 * Cheap checks before an image is queued for a worker: size, magic bytes, and the declared content type if
 * any. They refuse most bad input in microseconds on the caller's thread; decoding errors come from the worker.
 */
export function sniffImage(
  bytes: Uint8Array,
  field: string,
  limits: { maxBytes: number },
  contentType?: string,
): 'jpeg' | 'png' {
  if (bytes.length > limits.maxBytes) {
    throw new FaceError('too-large', field, `${bytes.length} bytes, at most ${limits.maxBytes}`);
  }
  const kind = startsWith(bytes, JPEG) ? 'jpeg' : startsWith(bytes, PNG) ? 'png' : null;
  if (contentType !== undefined) {
    const declared = ACCEPTED_TYPES[contentType.split(';')[0]!.trim().toLowerCase()];
    if (!declared) throw new FaceError('content-type', field, `declared "${contentType}"`);
    if (kind && declared !== kind) {
      throw new FaceError('content-type', field, `declared "${contentType}" but the bytes are ${kind.toUpperCase()}`);
    }
  }
  if (!kind) throw new FaceError('not-image', field, `${bytes.length} bytes without a JPEG or PNG signature`);
  return kind;
}
