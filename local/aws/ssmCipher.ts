import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AwsApiError } from './types.js';

/**
 * Encrypts SecureString values the way Parameter Store stores them: under a KMS key, so that a
 * read without decryption answers an opaque blob. Stands in for KMS with AES-256-GCM and a
 * secret made per endpoint, one derived key per KMS key ARN; the blob is bound to that ARN.
 */
export interface SecureStringCipher {
  /** Base64 of version byte, IV, GCM tag and ciphertext. */
  encrypt(keyArn: string, plaintext: string): string;
  /** @throws InvalidKeyId when the blob was not made under `keyArn` by this endpoint. */
  decrypt(keyArn: string, blob: string): string;
}

const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A cipher whose master secret lives only in this process: restarting the endpoint forgets it. */
export function createSecureStringCipher(): SecureStringCipher {
  const master = randomBytes(32);
  const keys = new Map<string, Buffer>();
  const keyFor = (keyArn: string) => {
    let key = keys.get(keyArn);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `ssm-securestring:${keyArn}`, 32));
      keys.set(keyArn, key);
    }
    return key;
  };

  return {
    encrypt(keyArn, plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keyFor(keyArn), iv);
      cipher.setAAD(Buffer.from(keyArn));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.of(FORMAT_VERSION), iv, cipher.getAuthTag(), body]).toString('base64');
    },
    decrypt(keyArn, blob) {
      const raw = Buffer.from(blob, 'base64');
      if (raw.length < 1 + IV_BYTES + TAG_BYTES || raw[0] !== FORMAT_VERSION) {
        throw new AwsApiError('InvalidKeyId', `The ciphertext was not made under ${keyArn}`);
      }
      const iv = raw.subarray(1, 1 + IV_BYTES);
      const tag = raw.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', keyFor(keyArn), iv);
      decipher.setAAD(Buffer.from(keyArn));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(raw.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw new AwsApiError('InvalidKeyId', `The ciphertext was not made under ${keyArn}`);
      }
    },
  };
}
