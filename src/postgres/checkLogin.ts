import { closeClient, connectClient, type ConnectOptions, type DbCredentials } from './connect.js';
import { DatabaseLoginError } from './errors.js';

/**
 * Whether these credentials log in: true when a session starts, false when the server
 * refuses the password (SQLSTATE 28P01: wrong password or unknown role). 28000 (no pg_hba
 * entry, NOLOGIN, TLS required by the server) says nothing about the password, so it is
 * thrown like any other "cannot tell".
 * @throws DatabaseConnectionError when the server cannot be reached, TLS fails or the connect
 *   times out: "cannot tell" must never be read as "wrong password".
 */
export async function checkLogin(creds: DbCredentials, options: ConnectOptions = {}): Promise<boolean> {
  let client;
  try {
    client = await connectClient(creds, options);
  } catch (err) {
    if (err instanceof DatabaseLoginError && err.code === '28P01') return false;
    throw err;
  }
  await closeClient(client);
  return true;
}
