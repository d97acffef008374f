import { test } from "node:test";
import assert from "node:assert/strict";
import { parseXml, findAll } from "./xmlCheck.js";

// The checker guards the SVG tests, so it must itself reject broken documents.
test("xml checker accepts a well-formed document and finds its elements", () => {
  const { root, errors } = parseXml('<svg a="1"><g><path d="M0 0"/></g><text>a &amp; b</text></svg>');
  assert.deepEqual(errors, []);
  assert.equal(findAll(root!, "path").length, 1);
  assert.equal(findAll(root!, "text")[0].text, "a &amp; b");
});

test("xml checker rejects mismatched tags, bare ampersands, unquoted and duplicate attributes", () => {
  assert.notDeepEqual(parseXml("<a><b></a></b>").errors, []);
  assert.notDeepEqual(parseXml("<a>x & y</a>").errors, []);
  assert.notDeepEqual(parseXml("<a x=1></a>").errors, []);
  assert.notDeepEqual(parseXml('<a x="1" x="2"></a>').errors, []);
  assert.notDeepEqual(parseXml("<a></a><b></b>").errors, []);
  assert.notDeepEqual(parseXml("<a>").errors, []);
});
