// Custom emoji steps (browser_emoji_test.go): the settings page's upload
// form, and the emoji images a page shows, with a screenshot. They share
// the driver's state ({context, page, base}) with steps.mjs.
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";

async function load(state, path) {
  const resp = await state.page.goto(new URL(path, state.base).href, { waitUntil: "load" });
  const status = resp ? resp.status() : 0;
  if (status >= 400) throw new Error(`GET ${path}: status ${status}`);
}

// images describes every img.emoji of the page: its names, where it
// points, whether it loaded, its height beside the line it sits in, and
// the nearest element with a class (where on the page it is).
async function images(page) {
  return page.locator("img.emoji").evaluateAll((imgs) =>
    imgs.map((img) => {
      const parent = img.parentElement;
      const place = img.closest(".display-name, .status-content, .status-cw, .bio, .profile-fields, dl, .poll-option, .reaction, td");
      return {
        alt: img.getAttribute("alt") ?? "",
        title: img.getAttribute("title") ?? "",
        src: img.src,
        loaded: img.complete && img.naturalWidth > 0,
        height: img.getBoundingClientRect().height,
        fontSize: parseFloat(getComputedStyle(parent).fontSize),
        place: place ? (place.className || place.tagName.toLowerCase()) : "",
      };
    }),
  );
}

export const emojiSteps = {
  // addEmoji uploads image as :shortcode: through /settings/emoji and
  // returns where the form led, its alerts and the emoji listed there.
  // With noValidate the browser sends what its own form checks would
  // refuse, to see the server refuse it.
  async addEmoji(state, { shortcode, image, noValidate = false }) {
    await load(state, "/settings/emoji");
    const page = state.page;
    const form = page.locator('form[action="/settings/emoji"]');
    await form.getByLabel(/shortcode/i).fill(shortcode);
    await form.getByLabel(/^image/i).setInputFiles(image);
    if (noValidate) await form.evaluate((f) => (f.noValidate = true));
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), form.locator('button[type="submit"]').click()]);
    await page.waitForLoadState("networkidle").catch(() => {});
    const u = new URL(page.url());
    return {
      path: u.pathname + u.search,
      error: await page.locator('[role="alert"]').allInnerTexts(),
      images: await images(page),
    };
  },

  // emojiImages loads path, waits for its images, and returns the emoji
  // images on it; with file, it saves a full-page screenshot there.
  async emojiImages(state, { path, file }) {
    await load(state, path);
    const page = state.page;
    for (const d of await page.locator("details.status-cw").all()) await d.evaluate((el) => (el.open = true));
    await page.waitForLoadState("networkidle").catch(() => {});
    await page.waitForFunction(() => [...document.querySelectorAll("img.emoji")].every((i) => i.complete), null, { timeout: 10000 }).catch(() => {});
    if (file) {
      await mkdir(dirname(file), { recursive: true });
      await page.screenshot({ path: file, fullPage: true });
    }
    return { images: await images(page), text: await page.locator("main").innerText().catch(() => "") };
  },
};
