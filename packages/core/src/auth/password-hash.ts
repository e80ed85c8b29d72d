import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashes in the config look like `scrypt$16384$8$1$<salt base64>$<hash base64>`:
 * the cost parameters travel with the hash, so they can be raised later without breaking old entries.
 */
export interface ScryptHash {
  cost: number;
  blockSize: number;
  parallelization: number;
  salt: Buffer;
  hash: Buffer;
}

export const DEFAULT_SCRYPT_COST = { cost: 16384, blockSize: 8, parallelization: 1 } as const;
const KEY_LENGTH = 32;

export function isScryptHash(value: string): boolean {
  return value.startsWith('scrypt$');
}

export async function hashPassword(password: string, cost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(16);
  const hash = await deriveKey(password, salt, KEY_LENGTH, {
    N: cost.cost,
    r: cost.blockSize,
    p: cost.parallelization,
  });
  return ['scrypt', cost.cost, cost.blockSize, cost.parallelization, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Throws an Error whose message says what is wrong with the hash (never echoing it). */
export function parseScryptHash(value: string): ScryptHash {
  const parts = value.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') {
    throw new Error('not an scrypt hash: expected scrypt$N$r$p$salt$hash (use `graine-gateway hash-password`)');
  }
  const [cost, blockSize, parallelization] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (!Number.isInteger(cost) || cost < 2 || (cost & (cost - 1)) !== 0) throw new Error('scrypt cost N must be a power of two');
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new Error('scrypt block size r must be a positive integer');
  if (!Number.isInteger(parallelization) || parallelization < 1) throw new Error('scrypt parallelization p must be a positive integer');
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const hash = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length < 8) throw new Error('scrypt salt is too short');
  if (hash.length < 16) throw new Error('scrypt hash is too short');
  return { cost, blockSize, parallelization, salt, hash };
}

export async function verifyScrypt(password: string, expected: ScryptHash): Promise<boolean> {
  const actual = await deriveKey(password, expected.salt, expected.hash.length, {
    N: expected.cost,
    r: expected.blockSize,
    p: expected.parallelization,
    maxmem: 256 * expected.cost * expected.blockSize + 1024 * 1024,
  });
  return timingSafeEqual(actual, expected.hash);
}

/**
 * scrypt runs on libuv's thread pool, so a burst of logins does not block hooks. At most
 * SCRYPT_CONCURRENCY derivations run at once: each takes 16 MiB, and every pool thread that ran one
 * keeps its own malloc arena afterwards (four in parallel left 67 MB of RSS behind, measured). The
 * limit also bounds the CPU that a storm of wrong passwords can take; verified headers are cached.
 */
const SCRYPT_CONCURRENCY = 2;
let derivationsRunning = 0;
const waitingDerivations: Array<() => void> = [];

async function deriveKey(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  // A finishing derivation hands its slot straight to the next waiter, so the count never overshoots.
  if (derivationsRunning >= SCRYPT_CONCURRENCY) await new Promise<void>((resolve) => waitingDerivations.push(resolve));
  else derivationsRunning += 1;
  try {
    return await new Promise((resolve, reject) => {
      scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
    });
  } finally {
    const next = waitingDerivations.shift();
    if (next) next();
    else derivationsRunning -= 1;
  }
}
