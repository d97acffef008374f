/**
 * A strict XML well-formedness check for the tests (no XML parser ships with Node): every tag
 * closes in order, attributes are quoted and unique, entities are the predefined or numeric
 * ones, and nothing but whitespace surrounds the single root element. Returns the problems found.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export function parseXml(source: string): { root: XmlElement | null; errors: string[] } {
  const errors: string[] = [];
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const token = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<\/?[^>]*>|[^<]+/g;
  for (const match of source.matchAll(token)) {
    const text = match[0];
    const at = match.index ?? 0;
    if (text.startsWith("<!--") || text.startsWith("<?")) continue;
    if (text.startsWith("</")) {
      const name = text.slice(2, -1).trim();
      const open = stack.pop();
      if (open === undefined || open.name !== name)
        errors.push(`at ${at}: </${name}> closes ${open ? `<${open.name}>` : "nothing"}`);
      continue;
    }
    if (text.startsWith("<")) {
      const selfClosing = text.endsWith("/>");
      const body = text.slice(1, selfClosing ? -2 : -1);
      const nameMatch = /^([A-Za-z_][\w.:-]*)/.exec(body);
      if (nameMatch === null) {
        errors.push(`at ${at}: bad tag ${text.slice(0, 40)}`);
        continue;
      }
      const element: XmlElement = { name: nameMatch[1], attributes: {}, children: [], text: "" };
      let rest = body.slice(nameMatch[1].length);
      const attr = /^\s+([A-Za-z_][\w.:-]*)="([^"<]*)"/;
      for (let m = attr.exec(rest); m !== null; m = attr.exec(rest)) {
        if (m[1] in element.attributes) errors.push(`at ${at}: duplicate attribute ${m[1]}`);
        checkEntities(m[2], at, errors);
        element.attributes[m[1]] = m[2];
        rest = rest.slice(m[0].length);
      }
      if (rest.trim() !== "")
        errors.push(`at ${at}: malformed attributes ${JSON.stringify(rest.slice(0, 40))}`);
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root === null) root = element;
      else errors.push(`at ${at}: second root element <${element.name}>`);
      if (!selfClosing) stack.push(element);
      continue;
    }
    checkEntities(text, at, errors);
    const parent = stack[stack.length - 1];
    if (parent) parent.text += text;
    else if (text.trim() !== "") errors.push(`at ${at}: text outside the root element`);
  }
  for (const open of stack) errors.push(`<${open.name}> is never closed`);
  if (root === null) errors.push("no root element");
  return { root, errors };
}

function checkEntities(text: string, at: number, errors: string[]): void {
  for (const m of text.matchAll(/&([^;\s]*);?/g)) {
    if (!m[0].endsWith(";") || !/^(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+)$/.test(m[1])) {
      errors.push(`at ${at}: bad entity ${m[0]}`);
    }
  }
}

/** All elements below (and including) `root` with the given name. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = root.name === name ? [root] : [];
  for (const c of root.children) out.push(...findAll(c, name));
  return out;
}
