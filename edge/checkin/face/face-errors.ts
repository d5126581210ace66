import { DomainError } from '../../domain-error.ts';

/** Why an image could not give one usable face. The terminal shows `message`; `field` names the input. */
export type FaceErrorCode =
  | 'content-type'
  | 'not-image'
  | 'truncated'
  | 'too-large'
  | 'too-small'
  | 'no-face'
  | 'several-faces'
  | 'busy'
  | 'engine-failure';

const MESSAGES: Record<FaceErrorCode, { zh: string; en: string }> = {
  'content-type': { zh: '内容类型错误，只接受 JPEG 或 PNG', en: 'wrong content type: only JPEG or PNG' },
  'not-image': { zh: '不是 JPEG 或 PNG 图像', en: 'not a JPEG or PNG image' },
  truncated: { zh: '图像不完整或已损坏', en: 'image is truncated or corrupt' },
  'too-large': { zh: '图像过大', en: 'image is too large' },
  'too-small': { zh: '图像过小', en: 'image is too small' },
  'no-face': { zh: '未检测到人脸，请正对摄像头', en: 'no face found' },
  'several-faces': { zh: '检测到多张人脸，请单人核验', en: 'several faces in the picture' },
  busy: { zh: '人脸比对繁忙，请稍后重试', en: 'face engine busy, try again' },
  'engine-failure': { zh: '人脸比对服务故障', en: 'face engine failure' },
};

/** A domain error (`invalid`) whose answer carries the field and the code the terminal acts on. */
export class FaceError extends DomainError {
  constructor(
    readonly code: FaceErrorCode,
    /** The input it is about, e.g. `photo` or `frames[1]`. */
    readonly field: string,
    readonly detail?: string,
  ) {
    const text = MESSAGES[code];
    super('invalid', `${field}: ${text.zh} (${text.en}${detail ? `: ${detail}` : ''})`, { field, code });
    this.name = 'FaceError';
  }

  /** Short text for the terminal screen (zh-CN). */
  get screenText(): string {
    return MESSAGES[this.code].zh;
  }

  /** The image itself was unusable, as opposed to a readable image without exactly one face. */
  get isBadImage(): boolean {
    return ['content-type', 'not-image', 'truncated', 'too-large', 'too-small'].includes(this.code);
  }
}
