// Accessibility steps (browser_a11y_test.go): run axe-core on a page, list
// a page's links, sign out by dropping the cookies, and press a post's
// Delete as a person does. They share the driver's state ({context, page,
// base}) with steps.mjs; the base comes from its login step.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

// axeSource is axe-core's browser bundle, run in each page checked. It is
// evaluated through the DevTools protocol, not added as a script tag,
// which kith's Content-Security-Policy (script-src 'self') would block.
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

// wcagTags are the rule sets checked: WCAG 2.0 and 2.1, levels A and AA.
const wcagTags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

// open loads base+path and fails on an error status.
async function open(state, path) {
  const resp = await state.page.goto(new URL(path, state.base).href, { waitUntil: "load" });
  const status = resp ? resp.status() : 0;
  if (status >= 400) {
    const text = await state.page.locator("body").innerText().catch(() => "");
    throw new Error(`GET ${path}: status ${status}: ${text.slice(0, 300)}`);
  }
  return status;
}

export const a11ySteps = {
  // axe loads path, opens every <details> (content warnings, folded form
  // parts) so that what they hide is checked too, and runs axe-core's
  // WCAG 2.1 A and AA rules on the document. It reports each violation
  // with its rule, impact and the selectors of the elements that fail,
  // and the page's headings and autofocused element, which axe leaves to
  // people.
  async axe(state, { path }) {
    await open(state, path);
    const page = state.page;
    await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
    if (!(await page.evaluate(() => typeof window.axe === "object"))) {
      await page.evaluate(axeSource);
    }
    const found = await page.evaluate(
      (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }),
      wcagTags,
    );
    const facts = await page.evaluate(() => ({
      headings: [...document.querySelectorAll("h1, h2, h3")].map((h) => `${h.tagName.toLowerCase()}: ${h.textContent.trim()}`),
      focused: document.activeElement && document.activeElement !== document.body ? document.activeElement.outerHTML.slice(0, 120) : "",
    }));
    return {
      url: page.url(),
      version: found.testEngine?.version ?? "",
      ...facts,
      violations: found.violations.map((v) => ({
        id: v.id,
        impact: v.impact ?? "",
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.map(String).join(" "), summary: n.failureSummary ?? "" })),
      })),
    };
  },

  // links lists the href of every link matching selector on path, as
  // written in the page.
  async links(state, { path, selector = "main a[href]" }) {
    await open(state, path);
    return state.page.locator(selector).evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  },

  // anchors describes the links in the posts of path: where they go, and
  // their target and rel, to tell kith's own links from others'.
  async anchors(state, { path, selector = "article.status .status-content a[href]" }) {
    await open(state, path);
    return state.page.locator(selector).evaluateAll((as) =>
      as.map((a) => ({ href: a.href, text: a.textContent.trim(), target: a.getAttribute("target") ?? "", rel: a.getAttribute("rel") ?? "" })),
    );
  },

  // captionsHidden reports, for each image caption in the posts of path,
  // whether screen readers skip it (aria-hidden="true").
  async captionsHidden(state, { path }) {
    await open(state, path);
    return state.page.locator("article.status .status-media figcaption").evaluateAll((cs) => cs.map((c) => c.getAttribute("aria-hidden") === "true"));
  },

  // signOut drops the session cookie, so that the next pages are what a
  // visitor sees.
  async signOut(state) {
    await state.context.clearCookies();
    return null;
  },

  // deletePost presses Delete on the post containing text on path. With
  // accept false the confirmation dialog is dismissed (the driver's
  // watcher dismisses every dialog); with accept true, window.confirm
  // answers yes. It reports the dialogs that opened, where the browser
  // ended and whether the post is still on that page.
  async deletePost(state, { path, text, accept = false }) {
    await open(state, path);
    const page = state.page;
    const before = state.events.dialogs.length;
    if (accept) await page.evaluate(() => (window.confirm = () => true));
    const post = page.locator("article.status").filter({ hasText: text }).first();
    const id = await post.getAttribute("id");
    const link = post.locator("footer.status-actions").getByRole("link", { name: "Delete" });
    await link.click();
    if (accept) {
      await page.locator(`article.status[id="${id}"]`).waitFor({ state: "detached" });
    } else {
      // The dialog blocks the click until the watcher dismisses it; one
      // more round trip to the page lets its handler finish.
      await page.evaluate(() => 0);
    }
    await page.waitForLoadState("load");
    const u = new URL(page.url());
    return {
      dialogs: state.events.dialogs.slice(before).map((d) => ({ type: d.type, message: d.message })),
      path: u.pathname + u.search,
      present: (await page.locator(`article.status[id="${id}"]`).count()) > 0,
    };
  },
};
