/**
 * The error a call rejects with, for asserting its name and message (an SDK error carries the
 * AWS `__type` as `name`).
 * @throws Error when the call resolves instead, so a test expecting a failure cannot pass without one.
 */
export async function captureError(call: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await call;
  } catch (err) {
    return err as { name: string; message: string };
  }
  throw new Error('expected the call to fail');
}
