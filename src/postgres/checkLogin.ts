import { closeClient, connectClient, type ConnectOptions, type DbCredentials } from './connect.js';
import { DatabaseLoginError } from './errors.js';

/**
 * Whether these credentials log in: true when a session starts, false when the server
 * refuses them (SQLSTATE 28P01 / 28000: wrong password, unknown role, no LOGIN, no
 * pg_hba entry).
 * @throws DatabaseConnectionError when the server cannot be reached, TLS fails or the connect
 *   times out: "cannot tell" must never be read as "wrong password".
 */
export async function checkLogin(creds: DbCredentials, options: ConnectOptions = {}): Promise<boolean> {
  let client;
  try {
    client = await connectClient(creds, options);
  } catch (err) {
    if (err instanceof DatabaseLoginError) return false;
    throw err;
  }
  await closeClient(client);
  return true;
}
