// Two-factor sign-in steps (browser_2fa_test.go): set up an authenticator
// app, answer the second step with a code, add a passkey and sign in with
// it through Chrome DevTools' virtual authenticator. They share the
// driver's state ({context, page, base}) with steps.mjs and
// steps_a11y.mjs (signOut, axe); the base comes from the login step. Each returns where the browser is and the alerts
// the page shows, for the Go test to check.
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { capture } from "./steps.mjs";

// visit loads base+path and fails on an error status.
async function visit(state, path) {
  const resp = await state.page.goto(new URL(path, state.base).href, { waitUntil: "load" });
  const status = resp ? resp.status() : 0;
  if (status >= 400) {
    const text = await state.page.locator("body").innerText().catch(() => "");
    throw new Error(`GET ${path}: status ${status}: ${text.slice(0, 300)}`);
  }
}

// where is the current path and query.
function where(state) {
  const u = new URL(state.page.url());
  return u.pathname + u.search;
}

// seen is what a step reports: where the browser is, the alerts and
// notices on the page, and a screenshot when one is asked for.
async function seen(state, screenshot) {
  if (screenshot) {
    await mkdir(dirname(screenshot), { recursive: true });
    await capture(state.page, { path: screenshot, fullPage: true });
  }
  return {
    path: where(state),
    error: await state.page.locator('[role="alert"]:visible').allInnerTexts(),
    notice: await state.page.locator('[role="status"]').allInnerTexts(),
  };
}

// clickAndWait clicks and waits for the page it leads to; a passkey
// ceremony navigates only once the script has the server's answer.
async function clickAndWait(state, button) {
  await Promise.all([state.page.waitForNavigation({ waitUntil: "load" }), button.click()]);
}

export const twoFactorSteps = {
  // totpSetup opens the authenticator app's set-up page and reads the
  // secret shown as text, and whether the QR code image loaded.
  async totpSetup(state, { screenshot = "" }) {
    await visit(state, "/settings/2fa/totp");
    const qr = state.page.locator("img.totp-qr");
    const qrLoaded = await qr.evaluate((img) => img.decode().then(() => img.naturalWidth > 0).catch(() => false));
    return { secret: (await state.page.locator("#totp-secret").innerText()).trim(), qrLoaded, ...(await seen(state, screenshot)) };
  },

  // totpConfirm types a code and the password on the set-up page and
  // reads the recovery codes shown.
  async totpConfirm(state, { code, password }) {
    const form = state.page.locator('form[action="/settings/2fa/totp"]');
    await form.getByLabel(/code from the app/i).fill(code);
    await form.getByLabel(/password/i).fill(password);
    await clickAndWait(state, form.locator('button[type="submit"]'));
    const codes = await state.page.locator("ol.recovery-codes code").allInnerTexts();
    return { codes, ...(await seen(state)) };
  },

  // secondStep types a code (from the app, or a recovery code) on
  // /login/2fa, where the login step left the browser.
  async secondStep(state, { code, screenshot = "" }) {
    if (!where(state).startsWith("/login/2fa")) throw new Error(`not on the second step but on ${where(state)}`);
    if (screenshot) await seen(state, screenshot);
    const form = state.page.locator('form[action="/login/2fa"]');
    await form.getByLabel(/code/i).fill(code);
    await clickAndWait(state, form.locator('button[type="submit"]'));
    return seen(state);
  },

  // virtualAuthenticator gives the page a platform authenticator through
  // the DevTools protocol: CTAP2, built in, holding discoverable
  // credentials, verifying the user (as a fingerprint would) every time.
  async virtualAuthenticator(state) {
    const cdp = await state.context.newCDPSession(state.page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    state.webauthn = { cdp, authenticatorId };
    return { authenticatorId };
  },

  // credentials lists what the virtual authenticator holds.
  async credentials(state) {
    const { cdp, authenticatorId } = state.webauthn;
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    return credentials.map((c) => ({ resident: c.isResidentCredential, rpId: c.rpId, signCount: c.signCount }));
  },

  // passkeyAdd adds a passkey on Settings → Two-factor sign-in with a
  // name and the password, and lists the passkeys the page shows after.
  async passkeyAdd(state, { name, password, screenshot = "" }) {
    await visit(state, "/settings/2fa");
    const form = state.page.locator('div[data-passkey="register"] form');
    await form.waitFor({ state: "visible" });
    await form.getByLabel(/name/i).fill(name);
    await form.getByLabel(/password/i).fill(password);
    await clickAndWait(state, form.getByRole("button", { name: /add a passkey/i }));
    const passkeys = await state.page.locator("table.passkeys tbody td:first-child").allInnerTexts();
    return { passkeys, ...(await seen(state, screenshot)) };
  },

  // passkeyButton presses the passkey button of the page the browser is
  // on, or of path when given: "Sign in with a passkey" on /login, "Use a
  // passkey" on /login/2fa.
  async passkeyButton(state, { path = "", screenshot = "" }) {
    if (path) await visit(state, path);
    const form = state.page.locator('div[data-passkey="login"] form');
    await form.waitFor({ state: "visible" });
    if (screenshot) await seen(state, screenshot);
    await clickAndWait(state, form.locator('button[type="submit"]'));
    return seen(state);
  },
};
