import type { AwsApiError, QueryParams, XmlNode } from './types.js';
import { escapeXml, renderXml } from './xmlWriter.js';

/**
 * The AWS Query protocol as RDS speaks it: `POST /` with a form-encoded body holding
 * `Action`, `Version` and the operation's members flattened (`Filters.Filter.1.Name=...`), and
 * XML answers: `<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>` on success,
 * `<ErrorResponse><Error><Type><Code><Message></Error><RequestId>` on failure.
 */

const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/\d{8}\/[^/,\s]+\/([^/,\s]+)\/aws4_request/;

/**
 * The signing name in a SigV4 `Authorization` header's credential scope (`rds`, `sqs`), which
 * tells services apart when the request itself does not (AWS Query); undefined when unsigned.
 */
export function signingServiceOf(authorization: string | undefined): string | undefined {
  return authorization ? CREDENTIAL_SCOPE.exec(authorization)?.[1] : undefined;
}

/** Who signed a request and for which region, from SigV4's `Credential=<key id>/<date>/<region>/<service>/aws4_request`. */
export function signerOf(authorization: string | undefined): { accessKeyId: string; region: string } | undefined {
  const m = authorization ? /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\//.exec(authorization) : null;
  return m ? { accessKeyId: m[1]!, region: m[2]! } : undefined;
}

/** A form-encoded body as its flattened members. */
export function parseQueryForm(raw: string): QueryParams {
  return new Map(new URLSearchParams(raw));
}

/** Most members a flattened Query list is read up to: far above any Query API's own limits. */
const MAX_LIST_MEMBERS = 1000;

/**
 * The members of a flattened list of structures (`Filters.Filter.1.Name`, `Filters.Filter.2.Name`…)
 * as maps of their own members, in index order; reading stops at the first missing index.
 */
export function readQueryStructureList(params: QueryParams, listKey: string): QueryParams[] {
  const out: QueryParams[] = [];
  for (let i = 1; i <= MAX_LIST_MEMBERS; i++) {
    const prefix = `${listKey}.${i}.`;
    const member = new Map<string, string>();
    for (const [k, v] of params) if (k.startsWith(prefix)) member.set(k.slice(prefix.length), v);
    if (member.size === 0) break;
    out.push(member);
  }
  return out;
}

/** The values of a flattened list of strings (`Values.Value.1`, `Values.Value.2`…), in index order. */
export function readQueryStringList(params: QueryParams, listKey: string): string[] {
  const out: string[] = [];
  for (let i = 1; i <= MAX_LIST_MEMBERS; i++) {
    const v = params.get(`${listKey}.${i}`);
    if (v === undefined) break;
    out.push(v);
  }
  return out;
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** A successful answer: the operation's result members wrapped as Query wraps them. */
export function queryResultXml(action: string, xmlNamespace: string, requestId: string, result: readonly XmlNode[]): string {
  return (
    `${XML_DECLARATION}<${action}Response xmlns="${escapeXml(xmlNamespace, true)}">` +
    `<${action}Result>${renderXml(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata></${action}Response>`
  );
}

/** An error answer; `Type` is Sender for 4xx, Receiver for 5xx. */
export function queryErrorXml(error: AwsApiError, requestId: string, xmlNamespace?: string): string {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  return (
    `${XML_DECLARATION}<ErrorResponse${xmlNamespace ? ` xmlns="${escapeXml(xmlNamespace, true)}"` : ''}>` +
    `<Error><Type>${type}</Type><Code>${escapeXml(error.type)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
    `<RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}
