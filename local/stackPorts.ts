import { createServer } from 'node:net';
import { KeyrollError } from '../src/errors.js';

/** A port the local stack needs, and what to tell the user about it. */
export interface StackPort {
  port: number;
  /** What listens there, e.g. `the local AWS endpoint`. */
  role: string;
  /** The `npm start` option that moves it, e.g. `--aws-port`. */
  option: string;
}

/** Ports the local stack needs are taken; the message names each one and what to do. */
export class PortsInUseError extends KeyrollError {}

/**
 * Checks that every port can be bound on 127.0.0.1 right now (binding, then releasing it).
 * @throws PortsInUseError naming every busy port, what needs it, and how to free or move it.
 */
export async function assertPortsFree(ports: StackPort[]): Promise<void> {
  const busy: StackPort[] = [];
  for (const p of ports) if (!(await canBind(p.port))) busy.push(p);
  if (busy.length === 0) return;
  const lines = busy.map(
    (p) => `  port ${p.port} on 127.0.0.1 (${p.role}) is in use: stop what holds it (\`ss -ltnp 'sport = :${p.port}'\` shows it) or pick another with ${p.option} <port>`,
  );
  throw new PortsInUseError(`the local stack cannot start:\n${lines.join('\n')}`);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
