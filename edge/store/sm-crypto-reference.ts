// The independent 国密 implementation the suite is tested against: sm-crypto (pure JavaScript, MIT; a dev
// dependency only, loaded by tests). Typed here once for the tests that use it.
import { createRequire } from 'node:module';

export const smCrypto = createRequire(import.meta.url)('sm-crypto') as {
  /** SM3 (hex); with `{key}` (hex or bytes) HMAC-SM3. Strings are UTF-8. */
  sm3(input: string | number[] | Uint8Array, options?: { key: string | number[] }): string;
  sm2: {
    doSignature(
      msg: string | number[],
      privateKey: string,
      o: { der: boolean; hash: boolean; publicKey: string },
    ): string;
    doVerifySignature(
      msg: string | number[],
      sig: string,
      publicKey: string,
      o: { der: boolean; hash: boolean },
    ): boolean;
    getPublicKeyFromPrivateKey(privateKey: string): string;
  };
  sm4: {
    encrypt(input: number[], key: string, o: { mode: 'cbc'; iv: string; output: 'array' }): number[];
    decrypt(input: number[], key: string, o: { mode: 'cbc'; iv: string; output: 'array' }): number[];
  };
};
