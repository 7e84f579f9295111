import { StoreError } from '../core/ports.js';

export { StoreError };

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What failed (`what`), as a StoreError carrying the original as its cause. */
export function asStoreError(error: unknown, what: string): StoreError {
  if (error instanceof StoreError) return error;
  return new StoreError(`${what}: ${errorMessage(error)}`, { cause: error, code: errorCode(error) });
}

/**
 * Rejects with a StoreError when `promise` has not settled within `ms`. The work itself goes on
 * (a store command cannot be taken back); its late result or error is ignored.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreError(`${what} did not answer within ${ms} ms`, { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
