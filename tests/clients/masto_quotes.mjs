// Drives kith's quote posts with masto.js (npm masto@8), as a Mastodon 4.5
// app does:
//
//   node masto_quotes.mjs http://127.0.0.1:PORT TOKEN
//
// It posts, quotes the post with quotedStatusId and a quote policy, reads
// both back (status.quote, quotesCount, quoteApproval) and lists the
// post's quotes. Each step is recorded in one JSON object printed on
// stdout, as masto.mjs does; the Go test (clients_quotes_test.go) decides
// what passed.
import { createRestAPIClient } from "masto";

const [url, accessToken] = process.argv.slice(2);
const out = {};

async function step(name, fn) {
  try {
    out[name] = await fn();
  } catch (e) {
    const parts = [e.name ?? "Error", e.message];
    if (e.statusCode) parts.push(`status ${e.statusCode}`);
    if (e.description) parts.push(e.description);
    out[name] = { error: parts.join(": ") };
  }
  return out[name];
}

const rest = createRestAPIClient({ url, accessToken });

// masto.js turns camelCase into the API's snake_case both ways.
const summary = (s) => ({
  id: s.id,
  content: s.content,
  quotes_count: s.quotesCount,
  quote_approval: s.quoteApproval && { automatic: s.quoteApproval.automatic, current_user: s.quoteApproval.currentUser },
  quote_state: s.quote?.state ?? null,
  quoted_id: s.quote?.quotedStatus?.id ?? null,
});

const orig = await step("original", async () => summary(await rest.v1.statuses.create({ status: "a post worth quoting" })));
if (!orig.error) {
  await step("quoted_status_id", async () => summary(await rest.v1.statuses.create({
    status: "quoted from masto.js", quotedStatusId: orig.id, quoteApprovalPolicy: "followers",
  })));
  await step("read", async () => summary(await rest.v1.statuses.$select(orig.id).fetch()));
  await step("quotes", async () => (await rest.v1.statuses.$select(orig.id).quotes.list()).map((s) => s.id));
}
process.stdout.write(JSON.stringify(out) + "\n");
