import { dbnameOf, portOf, sslModeOf, type PostgresSecret } from '../secret.js';
import { ParameterMappingError } from './errors.js';

/**
 * The ready connection URL apps read from `<path>/url`:
 * `postgresql://<user>:<password>@<host>:<port>/<dbname>?sslmode=<mode>`, with user, password
 * and dbname percent-encoded so any character survives a URL parser.
 * @throws ParameterMappingError when a value cannot be encoded (a lone UTF-16 surrogate);
 *   the message names the key, never the value.
 */
export function buildConnectionUrl(secret: PostgresSecret, secretArn: string): string {
  const encode = (key: 'username' | 'password' | 'dbname', value: string) => {
    try {
      return encodeURIComponent(value);
    } catch {
      throw new ParameterMappingError(`sync: secret ${secretArn}: "${key}" is not valid Unicode, so no URL can carry it`);
    }
  };
  // An IPv6 literal needs brackets, or its colons read as the port separator.
  const host = secret.host.includes(':') && !secret.host.startsWith('[') ? `[${secret.host}]` : secret.host;
  const user = encode('username', secret.username);
  const password = encode('password', secret.password);
  const dbname = encode('dbname', dbnameOf(secret));
  return `postgresql://${user}:${password}@${host}:${portOf(secret)}/${dbname}?sslmode=${sslModeOf(secret)}`;
}
