/**
 * Races a promise against an AbortSignal. Used for waits node cannot cancel itself
 * (getaddrinfo runs on the thread pool to its end): the call stops waiting at its deadline
 * even when the work behind the promise does not stop.
 */
export const ABORTED: unique symbol = Symbol('aborted');

export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
