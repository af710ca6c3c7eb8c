// Ensures the local demo organization exists: reuses .locktera/demo.env while its key still
// works, otherwise provisions a root org with the operator key and writes the file anew.
// Usage: node scripts/demo-org.mjs API_URL OPERATOR_KEY ENV_FILE
import { readFileSync, writeFileSync, existsSync } from "node:fs";

const [apiUrl, operatorKey, envFile] = process.argv.slice(2);

async function call(method, path, key, body) {
  const response = await fetch(`${apiUrl}/${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, json: await response.json().catch(() => null) };
}

if (existsSync(envFile)) {
  const env = Object.fromEntries(readFileSync(envFile, "utf8").split("\n").filter(Boolean).map((l) => l.split(/=(.*)/s).slice(0, 2)));
  const me = await call("GET", "me", env.API_KEY);
  if (me.status === 200) {
    console.log(`reused ${envFile} (org ${env.ORG_ID})`);
    process.exit(0);
  }
  console.log(`the key in ${envFile} no longer works (${me.status}); provisioning a new demo org`);
}

const created = await call("POST", "orgs", operatorKey, { org_name: "Demo Org", email: "admin@demo.example.com", api_key_name: "demo admin" });
if (created.status !== 201) {
  console.error(`provisioning the demo org failed: ${created.status} ${JSON.stringify(created.json)}`);
  process.exit(1);
}
writeFileSync(envFile, `API_URL=${apiUrl}\nORG_ID=${created.json.org.id}\nAPI_KEY=${created.json.api_key.secret}\n`, { mode: 0o600 });
console.log(`created the demo org ${created.json.org.id}; its admin key is in ${envFile}`);
