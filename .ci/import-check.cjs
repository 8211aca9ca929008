// Imports openapi/openapi.yaml the way Postman and Insomnia do (their own converters, from
// npm) and fails unless every operation of the spec arrives as a request, with its examples in
// Postman. Postman's URLs keep no trailing slash, so the two spellings of
// GET /api/v1/contact-lookup count as one operation here (both still arrive as requests).
const fs = require("fs");
const path = require("path");
const postman = require("openapi-to-postmanv2");
const insomnia = require("insomnia-importers");

const specPath = path.join(__dirname, "..", "openapi", "openapi.yaml");
const spec = fs.readFileSync(specPath, "utf8");

// The operations, as "METHOD /path" with the trailing slash dropped (as Postman drops it).
const operations = new Set();
{
  const methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
  let current = null;
  for (const line of spec.split("\n")) {
    const p = line.match(/^  (\/[^:]*):\s*$/);
    if (p) current = p[1];
    const m = line.match(/^    ([a-z]+):\s*$/);
    if (current && m && methods.includes(m[1])) operations.add(`${m[1].toUpperCase()} ${current.replace(/\/$/, "")}`);
    if (/^components:/.test(line)) current = null;
  }
}

function fail(msg) {
  console.error("import check: " + msg);
  process.exit(1);
}

function check(tool, requests) {
  const seen = new Set(requests.map((r) => `${r.method} /${r.path.replace(/^\/+/, "").replace(/\/$/, "")}`));
  const missing = [...operations].filter((op) => !seen.has(op));
  if (missing.length) fail(`${tool} lost ${missing.length} operations: ${missing.join(", ")}`);
  console.log(`${tool}: ${requests.length} requests, every one of the ${operations.size} operations present`);
}

postman.convert({ type: "string", data: spec }, { folderStrategy: "Tags" }, (err, res) => {
  if (err || !res.result) fail(`Postman converter: ${err || res.reason}`);
  const requests = [];
  const walk = (items) => {
    for (const it of items) {
      if (it.item) walk(it.item);
      else {
        if (!it.response || it.response.length === 0) fail(`Postman: ${it.name} has no example response`);
        const p = it.request.url.path || [];
        requests.push({ method: it.request.method, path: p.join("/").replace(/:([A-Za-z]+)/g, "{$1}") });
      }
    }
  };
  walk(res.output[0].data.item);
  check("Postman", requests);

  insomnia
    .convert(spec)
    .then((res) => {
      const requests = res.data.resources
        .filter((r) => r._type === "request")
        .map((r) => ({ method: r.method, path: r.url.replace(/^\{\{ *(_\.)?base_url *\}\}/, "").replace(/\{\{ *(_\.)?([A-Za-z]+) *\}\}/g, "{$2}") }));
      check("Insomnia", requests);
    })
    .catch((e) => fail(`Insomnia converter: ${e}`));
});
