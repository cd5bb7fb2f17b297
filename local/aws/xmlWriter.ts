import type { XmlNode, XmlValue } from './types.js';

/**
 * The XML of AWS Query answers: elements only (no attributes but the root's `xmlns`), text
 * escaped, Dates in ISO 8601 as the Query protocol sends timestamps, booleans as `true`/`false`.
 */

/** One element; `value` undefined leaves it out of the rendered XML. */
export const xmlNode = (name: string, value: XmlValue): XmlNode => ({ name, value });

/** A list element whose members are all named `memberName`, as Query lists are (`<DBInstances><DBInstance>`). */
export const xmlList = (name: string, memberName: string, members: ReadonlyArray<readonly XmlNode[]>): XmlNode =>
  xmlNode(
    name,
    members.map((m) => xmlNode(memberName, m)),
  );

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text content with `& < >` escaped; in an attribute value (`attribute`), quotes too. */
export function escapeXml(text: string, attribute = false): string {
  return text.replace(attribute ? /[&<>"']/g : /[&<>]/g, (c) => ESCAPES[c]!);
}

function renderValue(value: Exclude<XmlValue, undefined>): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return renderXml(value as readonly XmlNode[]);
  return escapeXml(String(value));
}

/** The elements in order; the recursion is bounded by the depth of the tree the caller built. */
export function renderXml(nodes: readonly XmlNode[]): string {
  let out = '';
  for (const node of nodes) {
    if (node.value === undefined) continue;
    out += `<${node.name}>${renderValue(node.value)}</${node.name}>`;
  }
  return out;
}
