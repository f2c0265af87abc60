// The steps driver.mjs runs: each takes the driver's state ({context, page,
// events, base}) and the command's args, acts like a person in the
// browser, and returns what it saw for the Go test to check. Selectors use
// the web UI's shared markup vocabulary (article.status, .status-cw,
// .status-media, footer.status-actions, li.notification-TYPE, ...) and
// labels, as a person reads the page.
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";

// watch records, for every page of the context, the dialogs (alert,
// confirm, prompt: dismissed at once), console messages and uncaught page
// errors, for the XSS checks.
export function watch(context) {
  const events = { dialogs: [], console: [], pageErrors: [] };
  const attach = (page) => {
    page.on("dialog", (d) => {
      events.dialogs.push({ type: d.type(), message: d.message(), url: page.url() });
      d.dismiss().catch(() => {});
    });
    page.on("console", (m) => events.console.push({ type: m.type(), text: m.text(), url: page.url() }));
    page.on("pageerror", (e) => events.pageErrors.push({ message: e.message, url: page.url() }));
  };
  context.pages().forEach(attach);
  context.on("page", attach);
  return events;
}

// go loads base+path and fails on an error status, so a missing page says
// so instead of failing on a selector later.
async function go(state, path) {
  const resp = await state.page.goto(new URL(path, state.base).href, { waitUntil: "load" });
  const status = resp ? resp.status() : 0;
  if (status >= 400) {
    const text = await state.page.locator("body").innerText().catch(() => "");
    throw new Error(`GET ${path}: status ${status}: ${text.slice(0, 300)}`);
  }
  return status;
}

// submit clicks a submit button and waits for the page it leads to.
async function submit(state, button) {
  await Promise.all([state.page.waitForNavigation({ waitUntil: "load" }), button.click()]);
  return pathOf(state.page.url());
}

// pressedAfter is, for each post action, the button that shows it done
// (its value and aria-pressed); delete removes the post instead.
const pressedAfter = {
  boost: ["unboost", "true"],
  unboost: ["boost", "false"],
  favourite: ["unfavourite", "true"],
  unfavourite: ["favourite", "false"],
  bookmark: ["unbookmark", "true"],
  unbookmark: ["bookmark", "false"],
  pin: ["unpin", "true"],
  unpin: ["pin", "false"],
};

function pathOf(url) {
  const u = new URL(url);
  return u.pathname + u.search;
}

// postButton is the button of form that publishes, not the one that
// previews: a button.primary, else the first submit button not named
// Preview.
async function postButton(form) {
  const primary = form.locator("button.primary");
  if ((await primary.count()) > 0) return primary.first();
  return form.locator('button[type="submit"], button:not([type])').filter({ hasNotText: /preview/i }).first();
}

// statusIn describes an article.status: what the tests check of a post.
async function statusIn(article) {
  return article.evaluate((a) => {
    const text = (sel) => a.querySelector(sel)?.textContent.trim() ?? "";
    return {
      id: a.id,
      classes: a.className,
      boostedBy: text(".boosted-by"),
      displayName: text(".status-header .display-name"),
      handle: text(".status-header .handle"),
      permalink: a.querySelector(".status-header a.permalink")?.getAttribute("href") ?? "",
      cw: text(".status-cw > summary"),
      content: a.querySelector(".status-content")?.textContent.trim() ?? "",
      images: [...a.querySelectorAll(".status-media img")].map((img) => ({
        alt: img.getAttribute("alt"),
        src: img.getAttribute("src"),
        loaded: img.complete && img.naturalWidth > 0,
      })),
      captions: [...a.querySelectorAll(".status-media figcaption")].map((c) => c.textContent.trim()),
      // Each action button as the URL it posts to: a form per action
      // (/statuses/ID/boost), or one form whose button's name=action
      // value=boost adds the last segment.
      actions: [...a.querySelectorAll("footer.status-actions button")].map((button) => {
        let action = button.getAttribute("formaction") ?? button.form?.getAttribute("action") ?? "";
        if (button.name === "action" && button.value) action = action.replace(/\/$/, "") + "/" + button.value;
        return { action, label: button.textContent.trim(), pressed: button.getAttribute("aria-pressed") ?? "" };
      }),
    };
  });
}

// openStatus opens the content warnings of an article, as a reader does
// to see what they hide, and waits for its images to load or fail.
async function openStatus(article) {
  for (const summary of await article.locator(".status-cw > summary").all()) {
    if (!(await summary.evaluate((s) => s.parentElement.open))) await summary.click();
  }
  await article.locator(".status-media img").evaluateAll((imgs) =>
    Promise.race([
      Promise.all(imgs.map((img) => img.decode().catch(() => {}))),
      new Promise((resolve) => setTimeout(resolve, 5000)),
    ]),
  );
}

// article finds the one article.status containing text on the current page.
async function article(state, text) {
  const found = state.page.locator("article.status").filter({ hasText: text });
  const n = await found.count();
  if (n === 0) {
    const main = await state.page.locator("main").innerText().catch(() => "");
    throw new Error(`no article.status with ${JSON.stringify(text)} on ${pathOf(state.page.url())}; main reads:\n${main.slice(0, 600)}`);
  }
  return found.first();
}

export const steps = {
  // login signs in through /login and reports where it landed.
  async login(state, { base, username, password }) {
    state.base = base;
    await go(state, "/login");
    const form = state.page.locator('form[action="/login"]');
    await form.getByLabel(/username/i).fill(username);
    await form.getByLabel(/password/i).fill(password);
    const path = await submit(state, form.locator('button[type="submit"]'));
    return { path, error: await state.page.locator('[role="alert"]').allInnerTexts() };
  },

  // compose posts through /compose: text, a content warning, an image
  // with alt text.
  async compose(state, { text, cw, image, alt }) {
    await go(state, "/compose");
    const form = state.page.locator("form.compose");
    await form.locator("textarea").first().fill(text);
    if (cw) await form.getByLabel(/content warning/i).fill(cw);
    if (image) await form.locator('input[type="file"]').first().setInputFiles(image);
    if (alt) await form.getByLabel(/alt text|description/i).first().fill(alt);
    const path = await submit(state, await postButton(form));
    return { path, error: await state.page.locator('[role="alert"]').allInnerTexts() };
  },

  // status describes the post containing text on path.
  async status(state, { path, text }) {
    await go(state, path);
    const a = await article(state, text);
    await openStatus(a);
    return statusIn(a);
  },

  // waitStatus reloads path until a post containing text shows, at most
  // tries times, interval ms apart: deliveries between instances are
  // asynchronous.
  async waitStatus(state, { path, text, tries = 40, interval = 250 }) {
    for (let i = 1; ; i++) {
      await go(state, path);
      const found = state.page.locator("article.status").filter({ hasText: text });
      if ((await found.count()) > 0) return { tries: i, status: await statusIn(found.first()) };
      if (i >= tries) throw new Error(`no post with ${JSON.stringify(text)} on ${path} after ${tries} loads`);
      await state.page.waitForTimeout(interval);
    }
  },

  // act presses the action button (boost, favourite, ...) whose form posts
  // to .../ACTION on the post containing text, and describes the post
  // once it shows the action done: kith.js updates the post in place, so
  // it waits for the button's aria-pressed to turn (or the post to go, for
  // delete) rather than for a new page. navigated says whether the page
  // was loaded again all the same; focus, where the keyboard focus is.
  async act(state, { path, text, action }) {
    await go(state, path);
    const a = await article(state, text);
    const { id, actions } = await statusIn(a);
    const i = actions.findIndex((x) => x.action.endsWith(`/${action}`));
    if (i < 0) throw new Error(`no ${action} button on the post: ${JSON.stringify(actions)}`);
    await state.page.evaluate(() => (window.__samePage = true));
    await a.locator("footer.status-actions button").nth(i).click();
    const done = pressedAfter[action];
    const sel = `article.status[id="${id}"]`;
    if (done) {
      await state.page.locator(`${sel} footer.status-actions button[value="${done[0]}"][aria-pressed="${done[1]}"]`).waitFor();
    } else {
      await state.page.locator(sel).waitFor({ state: "detached" });
    }
    await state.page.waitForLoadState("load");
    const navigated = !(await state.page.evaluate(() => window.__samePage === true));
    // The keyboard focus: which button of which post holds it.
    const focus = await state.page.evaluate(() => {
      const el = document.activeElement;
      return { article: el?.closest("article.status")?.id ?? "", value: el?.tagName === "BUTTON" ? el.value : "" };
    });
    const after = state.page.locator(sel);
    return { path: pathOf(state.page.url()), navigated, focus, status: (await after.count()) > 0 ? await statusIn(after) : null };
  },

  // liveOpen loads path (home or notifications) and waits until kith.js
  // has its live event stream open, so what happens next is announced.
  async liveOpen(state, { path }) {
    await go(state, path);
    await state.page.evaluate(() => (window.__samePage = true));
    await state.page.locator("main .live[data-open]").waitFor({ state: "attached" });
    return { path: pathOf(state.page.url()) };
  },

  // liveBanner waits for the live banner on the page liveOpen loaded to
  // show text, and reports it, its live-region politeness and whether the
  // page was reloaded in between.
  async liveBanner(state, { text }) {
    const region = state.page.locator("main .live");
    await region.filter({ hasText: text }).waitFor();
    return {
      text: (await region.innerText()).trim(),
      ariaLive: await region.getAttribute("aria-live"),
      link: await region.locator("a").getAttribute("href"),
      navigated: !(await state.page.evaluate(() => window.__samePage === true)),
    };
  },

  // follow submits the form at /follow with a handle or URL.
  async follow(state, { handle }) {
    await go(state, "/follow");
    const form = state.page.locator("main form").filter({ has: state.page.locator('input:not([type="hidden"])') }).first();
    await form.locator('input:not([type="hidden"])').first().fill(handle);
    const path = await submit(state, form.locator('button[type="submit"], button:not([type])').first());
    return {
      path,
      error: await state.page.locator('[role="alert"]').allInnerTexts(),
      main: (await state.page.locator("main").innerText()).slice(0, 1000),
    };
  },

  // notifications lists what /notifications shows, and the unread badge
  // of the navigation before and after the page was read.
  async notifications(state, { path = "/notifications" }) {
    await go(state, "/home");
    const badge = await state.page.locator('nav.site-nav a[href="/notifications"] .badge').allInnerTexts();
    await go(state, path);
    const items = await state.page.locator("li.notification").evaluateAll((els) =>
      els.map((li) => ({ classes: li.className, text: li.innerText.trim().slice(0, 300) })),
    );
    await go(state, "/home");
    const badgeAfter = await state.page.locator('nav.site-nav a[href="/notifications"] .badge').allInnerTexts();
    return { badge, badgeAfter, items };
  },

  // style reads a computed style property of the first element matching
  // selector on path.
  async style(state, { path, selector = "body", property = "background-color" }) {
    await go(state, path);
    return state.page.locator(selector).first().evaluate((el, p) => getComputedStyle(el).getPropertyValue(p), property);
  },

  // phone loads each path in a phone-sized viewport and measures whether
  // it scrolls sideways and whether the navigation can be reached; then it
  // follows the navigation's link to follow (opening a menu first if the
  // link is folded away).
  async phone(state, { paths, width = 390, height = 844, follow = "/notifications" }) {
    const page = state.page;
    await page.setViewportSize({ width, height });
    try {
      const pages = [];
      for (const path of paths) {
        await go(state, path);
        pages.push(
          await page.evaluate((p) => {
            const nav = document.querySelector("nav.site-nav");
            const links = nav ? [...nav.querySelectorAll("a")] : [];
            return {
              path: p,
              scrollWidth: document.scrollingElement.scrollWidth,
              innerWidth: window.innerWidth,
              nav: !!nav,
              // The innermost elements sticking out past the right edge,
              // to name the culprit when the page scrolls sideways.
              overflow: [...document.body.querySelectorAll("*")]
                .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
                .filter((el, _, all) => !all.some((o) => o !== el && el.contains(o)))
                .slice(0, 5)
                .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "")),
              links: links.map((a) => {
                const r = a.getBoundingClientRect();
                return { href: a.getAttribute("href"), width: r.width, height: r.height, left: r.left, right: r.right };
              }),
            };
          }, path),
        );
      }
      let link = page.locator(`nav.site-nav a[href="${follow}"]`).first();
      if (!(await link.isVisible())) {
        const toggle = page.locator("header.site summary, header.site button[aria-controls], header.site button[aria-expanded]").first();
        if ((await toggle.count()) > 0) await toggle.click();
      }
      const followed = await submit(state, link);
      return { pages, followed };
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  },

  // keyboard loads path and presses Tab: the first stop should be the
  // skip link, and Enter on it should move the focus target to main. It
  // also lists images without an alt attribute.
  async keyboard(state, { path }) {
    await go(state, path);
    const page = state.page;
    await page.keyboard.press("Tab");
    const first = await page.evaluate(() => {
      const el = document.activeElement;
      return { tag: el.tagName.toLowerCase(), classes: el.className, href: el.getAttribute("href") ?? "", visible: el.getBoundingClientRect().height > 0 };
    });
    await page.keyboard.press("Enter");
    const hash = await page.evaluate(() => location.hash);
    const noAlt = await page.locator("img:not([alt])").evaluateAll((imgs) => imgs.map((i) => i.getAttribute("src")));
    return { first, hash, noAlt };
  },

  // screenshot saves a full-page PNG of path to file.
  async screenshot(state, { path, file }) {
    await go(state, path);
    // Content warnings open, so the picture shows what they hide.
    for (const a of await state.page.locator("article.status").all()) await openStatus(a);
    await mkdir(dirname(file), { recursive: true });
    await capture(state.page, { path: file, fullPage: true });
    return { file };
  },

  // links returns the hrefs of the links matching selector on path.
  async links(state, { path, selector }) {
    await go(state, path);
    return state.page.locator(selector).evaluateAll((els) => els.map((a) => a.getAttribute("href")));
  },

  // hostile loads each of pages ({path, probe, screenshot, fullPage}),
  // several tabs at a time for each site, and reports what tests/hostile's corpus must
  // never do to a page: run, load, or change the page outside its cards.
  // The skeleton is read right after load; with probe, every content
  // warning is then opened and every element of the remote parts gets the
  // events a pointer and keyboard would fire before the findings are read.
  async hostile(state, { base, pages, tabs = 3, settle = 50 }) {
    if (base) state.base = base;
    if (!state.hostileInit) {
      // Violations are dispatched at the document before any script of
      // the page runs, so an init script sees every one.
      await state.context.addInitScript(() => {
        window.__csp = [];
        document.addEventListener("securitypolicyviolation", (e) =>
          window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile || "page"}:${e.lineNumber}) ${e.sample ?? ""}`),
        );
      });
      state.hostileInit = true;
    }
    // A few tabs per site, kept from one call to the next: a tab that
    // went to another site, or a new one, would start a renderer process.
    state.hostileTabs ??= {};
    const queues = {};
    const out = new Array(pages.length);
    pages.forEach((job, i) => (queues[new URL(job.path, state.base).origin] ??= []).push({ ...job, i }));
    const worker = async (origin, n) => {
      const pool = (state.hostileTabs[origin] ??= []);
      const page = (pool[n] ??= await state.context.newPage());
      for (let job; (job = queues[origin].shift()); ) {
        out[job.i] = await hostilePage(state, page, job, settle).catch((e) => ({ path: job.path, error: e.message }));
      }
    };
    const workers = Object.entries(queues).flatMap(([origin, q]) => Array.from({ length: Math.min(tabs, q.length) }, (_, n) => worker(origin, n)));
    await Promise.all(workers);
    return out;
  },
};

// hostilePage is one page of the hostile step in its own tab: the events
// that page raised are its own, not another tab's.
// capture takes a screenshot. Chromium sometimes answers a capture with
// "Unable to capture screenshot" while a busy machine is still compositing
// the page; the picture is an artifact, not what a test asserts, so that
// one error is tried again a few times.
export async function capture(page, options) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await page.screenshot(options);
    } catch (err) {
      if (attempt >= 3 || !String(err).includes("Unable to capture screenshot")) throw err;
      await page.waitForTimeout(250 * attempt);
    }
  }
}

async function hostilePage(state, page, { path, probe = true, screenshot = "", fullPage = false }, settle) {
  const events = { dialogs: [], pageErrors: [], console: [] };
  const onDialog = (d) => events.dialogs.push({ type: d.type(), message: d.message() });
  const onError = (e) => events.pageErrors.push(e.message);
  const onConsole = (m) => /Content.Security.Policy/i.test(m.text()) && events.console.push(m.text());
  page.on("dialog", onDialog);
  page.on("pageerror", onError);
  page.on("console", onConsole);
  try {
    const resp = await page.goto(new URL(path, state.base).href, { waitUntil: "load" });
    const status = resp ? resp.status() : 0;
    if (status >= 400) throw new Error(`GET ${path}: status ${status}`);
    const html = resp ? await resp.text() : "";
    const skeleton = await page.evaluate(pageSkeleton);
    if (probe) await page.evaluate(firePointerEvents, settle);
    else await page.evaluate(() => document.querySelectorAll("details.status-cw").forEach((d) => (d.open = true)));
    const report = await page.evaluate(pageFindings, html);
    if (screenshot) {
      await mkdir(dirname(screenshot), { recursive: true });
      await capture(page, { path: screenshot, fullPage, type: "jpeg", quality: 70 });
    }
    return { path, ...report, skeleton, ...events };
  } finally {
    page.off("dialog", onDialog);
    page.off("pageerror", onError);
    page.off("console", onConsole);
  }
}

// firePointerEvents runs in the page: it opens every content warning as
// a reader would (a click on its summary), fires the events a pointer and
// a keyboard would on every element of the parts remote data fills,
// visible or not (clicks only where they would not navigate), and gives
// what they started two frames and settle ms to run: the browser's own
// clock, not a wait for the server.
async function firePointerEvents(settle) {
  for (const summary of document.querySelectorAll(".status-cw > summary")) summary.click();
  const sel = ".status-content, .status-content *, .status-header *, .status-cw *, .status-media *, .status-poll *, .bio, .bio *, .profile-fields *, .profile .display-name, .account *, .notification > p *";
  for (const el of document.querySelectorAll(sel)) {
    for (const type of ["mouseover", "mouseenter", "focus", "click"]) {
      if (type === "click" && el.closest("a[href], button, summary, form, input, label, select")) continue;
      el.dispatchEvent(new Event(type, { bubbles: true }));
    }
  }
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, settle))));
}

// pageSkeleton runs in the page: one line per element, indented by depth:
// its name, id (digits as N), classes, a few attributes of head elements,
// and the computed styles a stray tag would change. Remote HTML is one
// line, never entered; the parts kith renders from a count of remote
// things (attachments, poll options, profile fields, header picture,
// moved banner) are left out, and a content warning's details is seen
// through, so a post has the same skeleton whether or not kith kept them.
// Each post, account and notification is one line of the page, [its
// tag.class]; its own lines are in cards, with its id, the post inside a
// notification and the account it links to, for the test to tell which
// it is: they may come in another order on another instance.
function pageSkeleton() {
  const slots = ".status-content, .bio";
  // Custom emoji images too: kith draws one per remote Emoji tag it kept.
  const skipped = ".status-media, .status-poll, details.status-cw > summary, img.header-image, dl.profile-fields, .banner-moved, img.emoji";
  const cardSel = "article.status, li.account, li.notification";
  const props = ["display", "visibility", "position", "font-weight", "font-style", "font-size", "text-decoration-line", "color"];
  const lines = [], cards = [];
  const name = (el) => {
    let n = el.tagName.toLowerCase();
    // A post shown again in a later notification gets "-n" and that
    // notification's id; which one comes first depends on the order the
    // inbox got to them, so the suffix is not part of the skeleton.
    if (el.id) n += "#" + el.id.replace(/\d+/g, "N").replace(/-nN$/, "");
    n += [...el.classList].sort().map((c) => "." + c).join("");
    if (el.closest("head")) for (const a of ["name", "property", "http-equiv", "rel", "type"]) if (el.hasAttribute(a)) n += `[${a}=${el.getAttribute(a)}]`;
    return n;
  };
  const line = (el, depth) => {
    const cs = getComputedStyle(el);
    return "  ".repeat(depth) + name(el) + " {" + props.map((p) => cs.getPropertyValue(p)).join(" ") + "}";
  };
  const walk = (el, depth, out) => {
    for (const child of el.children) {
      if (child.matches(skipped)) continue;
      if (child.matches("details.status-cw")) {
        walk(child, depth, out);
        continue;
      }
      if (out === lines && child.matches(cardSel)) {
        lines.push("  ".repeat(depth) + "[" + child.tagName.toLowerCase() + "." + child.classList[0] + "]");
        const card = {
          id: child.id,
          classes: child.className,
          article: child.matches("li.notification") ? (child.querySelector("article.status")?.id ?? "") : "",
          account: child.matches("li.notification") ? (child.querySelector(":scope > p a[href]")?.getAttribute("href") ?? "") : "",
          lines: [line(child, 0)],
        };
        walk(child, 1, card.lines);
        cards.push(card);
        continue;
      }
      out.push(line(child, depth));
      if (!child.matches(slots)) walk(child, depth + 1, out);
    }
  };
  walk(document.documentElement, 0, lines);
  return { lines, cards };
}

// pageFindings runs in the page: markers a payload sets when it runs,
// violations of the content security policy, and active or foreign
// markup anywhere on the page. html is the page as kith served it, for
// the title kith set.
function pageFindings(html) {
  // Where a page shows HTML another server wrote, after kith's sanitizer.
  const remoteHTML = ".status-content, .bio, .profile-fields dd";
  const bad = [];
  const tag = (el) => el.tagName.toLowerCase();
  const at = (el) => {
    const card = el.closest("article.status, li.account, section.profile, li.notification");
    return card ? ` in ${tag(card)}${card.id ? "#" + card.id : "." + card.className.split(" ")[0]}` : "";
  };
  const scheme = (v) => {
    let u = "";
    try {
      u = new URL(v, document.baseURI).protocol;
    } catch {
      u = v.replace(/[\s\u0000-\u001f]/g, "").toLowerCase().split(":")[0] + ":";
    }
    return /^(javascript|vbscript|data):$/.test(u) ? u : "";
  };
  const urlAttrs = ["href", "src", "action", "formaction", "xlink:href", "poster", "data", "cite", "background", "ping", "codebase", "longdesc", "lowsrc", "dynsrc", "usemap"];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.getAttributeNames()) {
      const v = el.getAttribute(attr) ?? "";
      if (attr.startsWith("on")) bad.push(`${tag(el)}[${attr}]${at(el)}`);
      const values = attr === "srcset" ? v.split(",").map((s) => s.trim().split(/\s+/)[0]) : urlAttrs.includes(attr) ? [v] : [];
      for (const u of values) if (scheme(u)) bad.push(`${tag(el)}[${attr}=${v.slice(0, 50)}]${at(el)}`);
    }
    if (el.closest(remoteHTML) && el.hasAttribute("style")) bad.push(`${tag(el)}[style]${at(el)}`);
  }
  for (const s of document.querySelectorAll("script")) {
    if (!(s.getAttribute("src") === "/static/kith.js" && s.closest("head"))) bad.push(`script${s.src ? " src=" + s.getAttribute("src") : ""}${at(s)}`);
  }
  for (const el of document.querySelectorAll("iframe, frame, frameset, object, embed, applet, portal, meta[http-equiv], base, style, body link, body meta, noscript")) {
    bad.push(`${tag(el)}${at(el)}`);
  }
  // kith's own forms post to its own paths; none belongs in remote HTML.
  for (const f of document.querySelectorAll("form")) {
    const action = f.getAttribute("action") ?? "";
    if (f.closest(remoteHTML + ", summary") || !/^\/(?!\/)/.test(action)) bad.push(`form action=${action.slice(0, 50)}${at(f)}`);
  }
  // What remote HTML may never bring: nothing active, embedded or styled.
  const forbidden = "script, iframe, object, embed, frame, frameset, applet, base, meta, link, style, svg, math, template, form, input, button, textarea, select, img, video, audio, source, picture, dialog, details, marquee";
  // kith's own custom emoji images are the exception: img.emoji from
  // kith's media paths, whatever the remote text around them.
  const kithEmoji = (el) => el.matches("img.emoji") && new URL(el.src).origin === location.origin && new URL(el.src).pathname.startsWith("/media/");
  for (const slot of document.querySelectorAll(remoteHTML + ", .status-cw > summary, .display-name, span.handle")) {
    for (const f of slot.querySelectorAll(slot.matches(remoteHTML) ? forbidden : "*")) if (!kithEmoji(f)) bad.push(`${tag(f)} in .${slot.className.split(" ")[0]}${at(slot)}`);
  }
  const served = new DOMParser().parseFromString(html, "text/html").title;
  const next = document.querySelector("nav.pagination a[rel=next]")?.getAttribute("href") ?? "";
  return {
    xss: typeof window.__xss === "undefined" ? null : String(window.__xss),
    title: document.title,
    servedTitle: served,
    csp: window.__csp ?? [],
    bad,
    next,
    tabs: [...document.querySelectorAll("main nav.tabs a[href]")].map((a) => a.getAttribute("href")),
    cards: [...document.querySelectorAll("article.status, li.account")].map((a) => ({ id: a.id, text: a.innerText })),
  };
}
