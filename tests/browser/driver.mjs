// Drives one headless Debian chromium through playwright-core for kith's
// browser tests (tests/e2e/browser_*_test.go):
//
//   node driver.mjs PROFILE_DIR
//
// It launches the browser once and then reads commands from stdin, one JSON
// object a line: {"step": "login", "args": {...}}. Each command runs the step
// of that name (steps.mjs, steps_a11y.mjs, steps_2fa.mjs, steps_compress.mjs)
// and answers one JSON line on stdout: {"result": ...} or {"error": "..."}.
// The Go test decides what passed. The browser closes when stdin does.
//
// Environment: CHROMIUM (the browser binary, default: chromium on PATH),
// KITH_HOST_RULES (chromium --host-resolver-rules, e.g. "MAP alice.test
// 127.0.0.1"). HOME and XDG_CONFIG_HOME are set to a scratch directory by
// the test: chromium writes crash reports under HOME even with a profile.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";
import { steps as uiSteps, watch } from "./steps.mjs";
import { a11ySteps } from "./steps_a11y.mjs";
import { twoFactorSteps } from "./steps_2fa.mjs";
import { compressSteps } from "./steps_compress.mjs";
import { emojiSteps } from "./steps_emoji.mjs";
import { videoSteps } from "./steps_video.mjs";

const steps = { ...uiSteps, ...a11ySteps, ...twoFactorSteps, ...compressSteps, ...emojiSteps };
Object.assign(steps, videoSteps); // steps_video.mjs

const [profile] = process.argv.slice(2);
const args = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
if (process.env.KITH_HOST_RULES) {
  args.push(`--host-resolver-rules=${process.env.KITH_HOST_RULES}`);
}

// onPath finds a program on PATH: playwright-core wants a path, and a
// Debian chromium is never where playwright's own downloads would be.
function onPath(name) {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${name} is not on PATH: run tests/browser/install.sh`);
}

const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || onPath("chromium"),
  headless: true,
  args,
  viewport: { width: 1280, height: 900 },
});
context.setDefaultTimeout(15000);
const state = { context, page: context.pages()[0] ?? (await context.newPage()), events: watch(context) };

function answer(v) {
  process.stdout.write(JSON.stringify(v) + "\n");
}

answer({ ready: true, version: context.browser()?.version() ?? "" });

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch (e) {
    answer({ error: `not JSON: ${e.message}` });
    continue;
  }
  const step = steps[cmd.step];
  if (!step) {
    answer({ error: `no step ${cmd.step}` });
    continue;
  }
  const start = Date.now();
  try {
    const result = (await step(state, cmd.args ?? {})) ?? null;
    answer({ result, ms: Date.now() - start });
  } catch (e) {
    answer({ error: `${cmd.step}: ${e.message}\n(at ${state.page.url()})`, ms: Date.now() - start });
  }
}
await context.close();
