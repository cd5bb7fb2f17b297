import type { ChildProcess } from 'node:child_process';

/**
 * Waits for `stopped` (a process's graceful stop), or SIGKILLs `child` after `timeoutMs`: a stop
 * that never hangs, whatever the process does with the signal it was sent.
 */
export async function stopOrKill(child: Pick<ChildProcess, 'kill'>, stopped: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const forced = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, timeoutMs);
  });
  try {
    await Promise.race([stopped, forced]);
  } finally {
    clearTimeout(timer);
  }
}
