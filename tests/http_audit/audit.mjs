// Runs the graphql-http audit suite (`auditServer`) against a running service and prints
// the results as one JSON array on standard output.
//
//   node audit.mjs <url> [<key>]
//   AUDIT_URL=http://127.0.0.1:8000/graphql AUDIT_KEY=... node audit.mjs
//
// Every request the suite sends carries `Authorization: Bearer <key>`. The key is best
// passed through AUDIT_KEY (command lines are visible to other processes); it is never
// printed. Each result is {id, name, status, reason?, response?}, where status is "ok",
// "notice" (a failing MAY), "warn" (a failing SHOULD) or "error" (a failing MUST), and
// `response` describes what the service answered to a failing audit.
import { auditServer } from 'graphql-http';

const BODY_PREVIEW = 2000;

function usage(message) {
  process.stderr.write(`${message}\nusage: node audit.mjs <url> [<key>]  (or AUDIT_URL, AUDIT_KEY)\n`);
  process.exit(2);
}

const url = process.argv[2] || process.env.AUDIT_URL;
const key = process.argv[3] || process.env.AUDIT_KEY;
if (!url) usage('No service URL given.');
if (!key) usage('No key given.');

async function fetchWithKey(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${key}`);
  return fetch(input, { ...init, headers });
}

async function describe(response) {
  if (!response) return undefined;
  let body;
  try {
    body = response.bodyUsed ? '(body already read)' : await response.text();
  } catch (error) {
    body = `(body unreadable: ${error})`;
  }
  if (body.length > BODY_PREVIEW) body = `${body.slice(0, BODY_PREVIEW)}…`;
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: body.split(key).join('<key>'),
  };
}

const results = await auditServer({ url, fetchFn: fetchWithKey });
const report = [];
for (const result of results) {
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    entry.reason = result.reason;
    entry.response = await describe(result.response);
  }
  report.push(entry);
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
