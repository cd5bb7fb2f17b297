import type { CliOutput } from './createCliOutput.js';

/** A one-line progress display on stderr. */
export interface Progress {
  /** One more item done (`item` names it: a secret name, never a value). */
  advance(item?: string): void;
  /**
   * Sets the count from a caller that keeps it (`done` of `total`, `item` the last one
   * finished), for work whose total is known only once it runs. A spinner becomes `n/total`.
   */
  update(done: number, total: number, item?: string): void;
  /** Clears the line. Safe to call more than once. */
  stop(): void;
}

const FRAMES = ['-', '\\', '|', '/'];
const CLEAR_LINE = '\r\x1b[K';
const REDRAW_MS = 250;

/**
 * Draws `label n/total item` (or, without a total, `label` with a spinner and the elapsed
 * seconds until `update` gives one) on stderr, redrawn in place. Only when stderr is a terminal
 * and the run is not `--json`; otherwise every call is a no-op, so pipes and scripts see nothing of it.
 */
export function createProgress(out: CliOutput, label: string, total?: number): Progress {
  if (!out.interactive) return { advance: () => undefined, update: () => undefined, stop: () => undefined };
  const started = Date.now();
  let count = total;
  let done = 0;
  let last = '';
  let frame = 0;
  let stopped = false;
  const draw = () => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    const shown = count === undefined ? `${FRAMES[frame++ % FRAMES.length]} ${seconds}s` : `${done}/${count}`;
    out.drawProgress(`${CLEAR_LINE}${label} ${shown}${last ? ` ${last}` : ''}`);
  };
  // The spinner needs a clock; a counted display redraws on each advance only.
  let timer = total === undefined ? setInterval(draw, REDRAW_MS) : undefined;
  timer?.unref();
  const stopTimer = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  draw();
  return {
    advance(item) {
      if (stopped) return;
      done += 1;
      last = item ?? '';
      draw();
    },
    update(n, of, item) {
      if (stopped) return;
      stopTimer();
      done = n;
      count = of;
      last = item ?? '';
      draw();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      stopTimer();
      out.drawProgress(CLEAR_LINE);
    },
  };
}
