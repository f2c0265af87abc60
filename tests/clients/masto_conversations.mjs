// Drives kith's conversations API with masto.js (npm masto@8), as an app's
// direct-message tab does:
//
//   node masto_conversations.mjs http://127.0.0.1:PORT TOKEN
//
// It pages through the conversations one at a time (masto follows the Link
// headers), marks the first unread one read, reads the list again, and
// answers in that conversation. Each step is recorded in one JSON object
// printed on stdout, as masto.mjs does; the Go test
// (clients_conversations_test.go) decides what passed.
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

const summary = (c) => ({
  id: c.id,
  unread: c.unread,
  accounts: c.accounts.map((a) => a.acct),
  lastStatus: c.lastStatus && { id: c.lastStatus.id, visibility: c.lastStatus.visibility, content: c.lastStatus.content },
});

const list = async () => (await rest.v1.conversations.list({ limit: 20 })).map(summary);

const paged = await step("pages", async () => {
  const pages = [];
  for await (const page of rest.v1.conversations.list({ limit: 1 })) {
    // A full page links to the next, which may be empty, as Mastodon's do.
    if (page.length > 0) pages.push(page.map(summary));
    if (pages.length > 10) break;
  }
  return { pages };
});

const unread = paged.pages?.flat().find((c) => c.unread);
if (unread) {
  await step("read", async () => summary(await rest.v1.conversations.$select(unread.id).read()));
  await step("after_read", async () => ({ conversations: await list() }));
  const reply = await step("reply", async () => {
    const s = await rest.v1.statuses.create({
      status: `@${unread.accounts[0]} thanks, read it`, visibility: "direct", inReplyToId: unread.lastStatus.id,
    });
    return { id: s.id, visibility: s.visibility };
  });
  if (reply.id) {
    await step("after_reply", async () => ({ conversations: await list() }));
  }
} else {
  out.read = { error: "no unread conversation to mark read" };
}

console.log(JSON.stringify(out));
