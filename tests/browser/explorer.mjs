// Drives the GraphiQL explorer in headless Chromium and prints, as JSON, what the page
// did and showed: every request it made (and which key it carried), the address after
// each load, the query editor's text, and the result pane's text after each run.
//
//   SERVICE_URL   the service: http://host:port
//   EXPLORER_KEY  a key, opened as SERVICE_URL/graphql#key=<key>
//   SECOND_KEY    another key, opened the same way once the first is stored
//   QUERY         an operation to type in and run
//   CHROMIUM      the browser (default /usr/bin/chromium)
//
// Keys come in the environment, not on a command line, and are written out as <key>
// and <second key>.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const { SERVICE_URL, EXPLORER_KEY, SECOND_KEY, QUERY } = process.env;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const TIMEOUT = 30_000;

// Without the background-networking switches Chromium reaches out to Google's services
// on start, which a closed network refuses.
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const EDITOR = ".graphiql-query-editor .CodeMirror";
const RESULT = ".result-window .CodeMirror";
const MENU_BUTTON = '.graphiql-execute-button[aria-haspopup="menu"]';
const RUN_BUTTON = '.graphiql-execute-button:not([aria-haspopup="menu"])';

function whichKey(authorization) {
  if (authorization === undefined) return null;
  if (authorization === `Bearer ${EXPLORER_KEY}`) return "key";
  if (authorization === `Bearer ${SECOND_KEY}`) return "second key";
  return "other";
}

function isGraphQLPost(response) {
  return response.request().method() === "POST" && new URL(response.url()).pathname === "/graphql";
}

function editorValue(page, selector) {
  return page.evaluate((s) => document.querySelector(s).CodeMirror.getValue(), selector);
}

// Loads the page; the status of GraphiQL's first POST (the schema's introspection).
async function open(page, load) {
  const introspected = page.waitForResponse(isGraphQLPost, { timeout: TIMEOUT });
  await load();
  await page.waitForSelector(EDITOR, { timeout: TIMEOUT });
  const status = (await introspected).status();
  // GraphiQL renders anew once the schema is in; a click before that can be lost.
  await page.waitForLoadState("networkidle", { timeout: TIMEOUT });
  return status;
}

// The result pane's text after `run` (a click) has had its answer.
async function resultOf(page, run) {
  await page.evaluate((s) => document.querySelector(s).CodeMirror.setValue(""), RESULT);
  const answered = page.waitForResponse(isGraphQLPost, { timeout: TIMEOUT });
  await run();
  await answered;
  await page.waitForFunction(
    (s) => document.querySelector(s).CodeMirror.getValue().trim() !== "",
    RESULT,
    { timeout: TIMEOUT },
  );
  return editorValue(page, RESULT);
}

// With several operations in the editor, the run button opens a menu of them.
function runFromMenu(page, operation) {
  return resultOf(page, async () => {
    await page.click(MENU_BUTTON);
    await page.getByRole("menuitem", { name: operation, exact: true }).click();
  });
}

async function runTyped(page, query) {
  await page.evaluate(([s, q]) => document.querySelector(s).CodeMirror.setValue(q), [EDITOR, query]);
  // GraphiQL reads the operations out of the editor a moment later; until then the
  // run button still offers the menu of the operations before.
  await page.waitForSelector(RUN_BUTTON, { timeout: TIMEOUT });
  return resultOf(page, () => page.click(RUN_BUTTON));
}

async function visit(page, report, name, load, act) {
  const step = { name, firstRequest: report.requests.length };
  step.introspectionStatus = await open(page, load);
  step.url = page.url();
  step.editor = await editorValue(page, EDITOR);
  step.result = await act();
  step.requests = report.requests.slice(step.firstRequest);
  report.steps.push(step);
}

async function main(report) {
  const profile = mkdtempSync(join(tmpdir(), "explorer-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    timeout: TIMEOUT,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(TIMEOUT);
    page.on("request", (request) =>
      report.requests.push({
        url: request.url(),
        method: request.method(),
        key: whichKey(request.headers()["authorization"]),
      }),
    );
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") {
        report.console.push(`${message.type()}: ${message.text()}`);
      }
    });
    page.on("pageerror", (error) => report.pageErrors.push(String(error)));
    report.title = null;

    const link = (key) => `${SERVICE_URL}/graphql#key=${key}`;
    await visit(page, report, "link", () => page.goto(link(EXPLORER_KEY)), () => runFromMenu(page, "Me"));
    report.title = await page.title();
    // Twice: GraphiQL's own storage loses the headers on the second reload otherwise.
    for (const name of ["reload", "second reload"]) {
      await visit(page, report, name, () => page.reload(), () => runFromMenu(page, "Me"));
    }
    report.typedResult = await runTyped(page, QUERY);
    // GraphiQL stores an edited query half a second later.
    await page.waitForFunction((q) => localStorage.getItem("graphiql:query") === q, QUERY, {
      timeout: TIMEOUT,
    });
    // Another key's link, followed with the first one's state stored; only the fragment
    // changes, and the page starts anew with the new key.
    await visit(
      page,
      report,
      "second link",
      async () => {
        const reloaded = page.waitForEvent("load", { timeout: TIMEOUT });
        await page.goto(link(SECOND_KEY));
        await reloaded;
      },
      () => resultOf(page, () => page.click(RUN_BUTTON)),
    );
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const report = { requests: [], steps: [], console: [], pageErrors: [] };
function redacted(text) {
  return text.replaceAll(EXPLORER_KEY, "<key>").replaceAll(SECOND_KEY, "<second key>");
}
try {
  await main(report);
  process.stdout.write(redacted(JSON.stringify(report, null, 2)));
} catch (error) {
  const partial = JSON.stringify(report, null, 2);
  process.stderr.write(redacted(`${error?.stack ?? error}\n\nso far: ${partial}\n`));
  process.exit(1);
}
