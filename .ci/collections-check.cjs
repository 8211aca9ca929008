// Checks the committed collections (openapi/postman.json, openapi/insomnia.json, written by
// `go generate ./openapi`) against openapi/openapi.yaml: they import (Insomnia's importers read
// both), declare the variables a person fills in (baseUrl and apiKey; base_url and api_key),
// send the key from that variable, cover every operation, and fill required parameters and
// bodies with the spec's examples, never with placeholders such as <string>.
const fs = require("fs");
const path = require("path");
const assert = require("assert");
const yaml = require("js-yaml"); // openapi-to-postmanv2's, pinned by package-lock.json
const insomnia = require("insomnia-importers");

const dir = path.join(__dirname, "..", "openapi");
const spec = yaml.load(fs.readFileSync(path.join(dir, "openapi.yaml"), "utf8"));
const postmanText = fs.readFileSync(path.join(dir, "postman.json"), "utf8");
const insomniaText = fs.readFileSync(path.join(dir, "insomnia.json"), "utf8");
const postman = JSON.parse(postmanText);
const export4 = JSON.parse(insomniaText);

let failures = 0;
function check(what, fn) {
  try {
    fn();
  } catch (e) {
    failures++;
    console.error(`collections check: ${what}: ${e.message}`);
  }
}

const deref = (v) => (v && v.$ref ? v.$ref.replace(/^#\//, "").split("/").reduce((o, k) => o[k], spec) : v);

// Every operation: "METHOD /path", with its required query examples and its body example.
const operations = new Map();
for (const [p, item] of Object.entries(spec.paths)) {
  for (const [m, op] of Object.entries(item)) {
    if (!["get", "put", "post", "patch", "delete"].includes(m)) continue;
    const params = (op.parameters || []).map(deref);
    const query = {};
    for (const q of params.filter((q) => q.in === "query" && q.required)) query[q.name] = String(q.example ?? q.schema.example);
    const content = op.requestBody && deref(op.requestBody).content["application/json"];
    const body = content && (content.example ?? Object.values(content.examples || {})[0]?.value);
    operations.set(`${m.toUpperCase()} ${p}`, { id: op.operationId, query, body, open: Array.isArray(op.security) && op.security.length === 0 });
  }
}

for (const [name, text] of [["postman.json", postmanText], ["insomnia.json", insomniaText]]) {
  check(`${name} has no placeholder`, () => {
    const found = text.match(/<(string|number|integer|boolean|long|dateTime)>|\{\{bearerToken\}\}|xApiKey/);
    assert(!found, `found ${found && found[0]}`);
  });
}

// Postman.
const vars = Object.fromEntries((postman.variable || []).map((v) => [v.key, v.value]));
check("Postman variables", () => {
  assert(/^https?:\/\/[^/]+$/.test(vars.baseUrl), `baseUrl is ${JSON.stringify(vars.baseUrl)}`);
  assert("apiKey" in vars, "no apiKey variable");
});
check("Postman auth", () => {
  const a = postman.auth;
  const kv = Object.fromEntries((a.apikey || []).map((e) => [e.key, e.value]));
  assert.deepStrictEqual([a.type, kv.key, kv.value, kv.in], ["apikey", "X-API-Key", "{{apiKey}}", "header"]);
});
check("Postman uses only declared variables", () => {
  for (const [, v] of postmanText.matchAll(/\{\{([^}]+)\}\}/g)) assert(v in vars || v.startsWith("$"), `{{${v}}} is not a collection variable`);
});
const folders = postman.item;
const walk = folders.find((f) => f.name === "Walk-through");
check("Postman walk-through", () => {
  assert(walk, "no Walk-through folder");
  const steps = walk.item.map((i) => `${i.request.method} /${i.request.url.path.join("/")}`);
  assert.deepStrictEqual(steps, [
    "POST /api/v1/contact-lists",
    "POST /api/v1/contacts",
    ...Array(5).fill("GET /api/v1/contact-lookup/"),
    "POST /api/v1/contact-lookup/batch",
    "POST /api/v1/sessions",
    "POST /api/v1/sessions/{{sessionId}}/connect",
    "GET /api/v1/sessions/{{sessionId}}",
    "GET /api/v1/sessions/{{sessionId}}/contacts/check",
  ]);
  for (const i of walk.item) assert(i.event.some((e) => e.listen === "test" && e.script.exec.join("\n").includes("pm.test")), `${i.name} tests nothing`);
});
const seen = new Set();
for (const f of folders.filter((f) => f !== walk)) {
  for (const it of f.item) {
    const r = it.request;
    const key = `${r.method} /${r.url.path.map((s) => s.replace(/^:(.*)$/, "{$1}")).join("/")}`;
    const op = operations.get(key);
    check(`Postman ${key}`, () => {
      assert(op, "is no operation of the spec");
      seen.add(key);
      for (const [name, value] of Object.entries(op.query)) {
        const q = (r.url.query || []).find((q) => q.key === name && !q.disabled);
        assert(q && q.value === value, `query ${name} is ${q && q.value}, the spec's example is ${value}`);
      }
      if (op.body !== undefined) assert.deepStrictEqual(JSON.parse(r.body.raw), op.body);
      assert.strictEqual(Boolean(r.auth && r.auth.type === "noauth"), op.open, op.open ? "an open operation sends the key" : "does not send the key");
    });
  }
}
check("Postman has every operation", () => assert.deepStrictEqual([...operations.keys()].filter((k) => !seen.has(k)), []));

// Insomnia.
check("Insomnia export format", () => assert.strictEqual(export4.__export_format, 4));
const env = export4.resources.find((r) => r._type === "environment");
check("Insomnia variables", () => {
  assert(env, "no environment");
  assert(/^https?:\/\/[^/]+$/.test(env.data.base_url), `base_url is ${JSON.stringify(env.data.base_url)}`);
  assert("api_key" in env.data, "no api_key variable");
});
const seenInsomnia = new Set();
for (const r of export4.resources.filter((r) => r._type === "request")) {
  check(`Insomnia ${r.method} ${r.url}`, () => {
    assert(r.url.startsWith("{{ _.base_url }}/"), "does not start from base_url");
    for (const [, v] of r.url.matchAll(/\{\{ _\.([A-Za-z_]+) \}\}/g)) assert(v in env.data, `{{ _.${v} }} is not in the environment`);
    const key = `${r.method} ${r.url.replace("{{ _.base_url }}", "").replace(/\{\{ _\.([A-Za-z]+) \}\}/g, "{$1}")}`;
    const op = operations.get(key);
    assert(op, "is no operation of the spec");
    seenInsomnia.add(key);
    for (const [name, value] of Object.entries(op.query)) {
      const q = r.parameters.find((q) => q.name === name && !q.disabled);
      assert(q && q.value === value, `query ${name} is ${q && q.value}, the spec's example is ${value}`);
    }
    if (op.body !== undefined) assert.deepStrictEqual(JSON.parse(r.body.text), op.body);
    if (op.open) assert(!r.authentication.type, "an open operation sends the key");
    else assert.deepStrictEqual([r.authentication.type, r.authentication.key, r.authentication.value], ["apikey", "X-API-Key", "{{ _.api_key }}"]);
  });
}
check("Insomnia has every operation", () => assert.deepStrictEqual([...operations.keys()].filter((k) => !seenInsomnia.has(k)), []));

// Both import into Insomnia as they are.
Promise.all([insomniaText, postmanText].map((t) => insomnia.convert(t)))
  .then(([fromInsomnia, fromPostman]) => {
    check("Insomnia imports insomnia.json", () => assert.strictEqual(fromInsomnia.type.id, "insomnia-4"));
    check("Insomnia imports postman.json", () => assert.match(fromPostman.type.id, /^postman/));
    if (failures) process.exit(1);
    console.log(`collections: ${operations.size} operations in postman.json and insomnia.json, with the spec's examples; the walk-through has ${walk.item.length} steps`);
  })
  .catch((e) => {
    console.error(`collections check: import: ${e}`);
    process.exit(1);
  });
