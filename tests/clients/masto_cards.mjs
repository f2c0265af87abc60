// Reads a status's link preview card with masto.js (npm masto@8):
//
//   node masto_cards.mjs http://127.0.0.1:PORT TOKEN LINK
//
// Posts a status linking LINK, waits (at most 20 s) for kith's background
// job to give it a card, and prints one JSON object of steps, as masto.mjs
// does.
import { createRestAPIClient } from "masto";

const [url, accessToken, link] = process.argv.slice(2);
const out = {};

async function step(name, fn) {
  try {
    out[name] = await fn();
  } catch (e) {
    out[name] = { error: `${e.name}: ${e.message}${e.statusCode ? ` (status ${e.statusCode})` : ""}` };
  }
  return out[name];
}

const rest = createRestAPIClient({ url, accessToken });

const status = await step("status_create", () => rest.v1.statuses.create({ status: `a link for masto.js: ${link}` }));
if (status && !status.error) {
  await step("card", async () => {
    const deadline = Date.now() + 20000;
    for (;;) {
      const s = await rest.v1.statuses.$select(status.id).fetch();
      if (s.card) {
        const c = s.card;
        return {
          url: c.url, title: c.title, description: c.description, type: c.type, image: c.image,
          providerName: c.providerName, authorName: c.authorName, authors: (c.authors ?? []).map((a) => a.name),
        };
      }
      if (Date.now() > deadline) return { error: `no card after 20 s: ${JSON.stringify(s)}` };
      await new Promise((r) => setTimeout(r, 100));
    }
  });
}

console.log(JSON.stringify(out));
