#!/usr/bin/env python3
"""Check a cek-audit report.html in headless Chromium, offline.

Usage:
    scripts/check-html.py REPORT.html [--screenshot OUT.png] [--print-screenshot OUT.png]

Setup (Debian; see the project's browser-check notes):
    apt-get install -y chromium chromium-driver
    python3 -m venv .venv-browser && .venv-browser/bin/pip install selenium
    .venv-browser/bin/python scripts/check-html.py Reports/<assessment>/report.html

The page is loaded twice, with JavaScript on and with JavaScript off. Each time the script checks:
  * the console holds no error (a CSP violation, a failed request or a script error is logged as one);
  * `window.__xss` is not set (hostile test payloads set it if any of them runs);
  * the inline style sheet applied (its CSP hash matched) and, with JavaScript on, the inline script ran;
  * no resource other than the document itself was requested;
  * the verdict filter works: choosing a verdict hides every result of another verdict and keeps every result of
    that verdict, and "All" shows everything again;
  * in print media the filter bar is hidden and the content of closed <details> is shown.
Exit status: 0 when every check passes, 1 when one fails, 2 on usage errors.
"""

import argparse
import pathlib
import sys

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
except ImportError:  # pragma: no cover
    sys.stderr.write("selenium is not installed: python3 -m venv .venv-browser && .venv-browser/bin/pip install selenium\n")
    sys.exit(2)

VERDICTS = ["fail", "inconclusive", "manual", "pass", "waived", "not_applicable"]

# Display state of every result: hidden by a filter (display: none on it or on an ancestor branch), and whether it is
# actually rendered (an unopened <details> keeps it from view without hiding it).
RESULT_STATE_JS = """
return Array.from(document.querySelectorAll('#results .result')).map(function (r) {
  var hidden = false;
  for (var e = r; e && e.id !== 'results'; e = e.parentElement) {
    if (getComputedStyle(e).display === 'none') { hidden = true; break; }
  }
  var verdict = (r.className.match(/\\bv-([a-z_]+)/) || [])[1];
  return {verdict: verdict, hidden: hidden, visible: r.checkVisibility()};
});
"""


class Checker:
    def __init__(self, path: pathlib.Path):
        self.url = path.resolve().as_uri()
        self.failures = []

    def fail(self, mode, message):
        self.failures.append(f"[{mode}] {message}")
        print(f"FAIL [{mode}] {message}")

    def ok(self, mode, message):
        print(f"ok   [{mode}] {message}")

    def driver(self, javascript: bool):
        o = webdriver.ChromeOptions()
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000",
                  "--force-device-scale-factor=1"):
            o.add_argument(a)
        o.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        if not javascript:
            o.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
        return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)

    def console_errors(self, d, mode):
        errors = [e for e in d.get_log("browser") if e.get("level") == "SEVERE"]
        for e in errors:
            self.fail(mode, "console error: " + e.get("message", ""))
        return errors

    def requests(self, d, mode):
        import json
        urls = set()
        for entry in d.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg.get("method") == "Network.requestWillBeSent":
                urls.add(msg["params"]["request"]["url"])
        foreign = sorted(u for u in urls if u.split("#")[0] != self.url)
        if foreign:
            self.fail(mode, "requests besides the document: " + ", ".join(foreign))
        else:
            self.ok(mode, "no request besides the document")

    def check_filter(self, d, mode, javascript):
        radios = {r.get_attribute("value") for r in d.find_elements(By.CSS_SELECTOR, "input[name=verdict-filter]")}
        if "all" not in radios:
            self.fail(mode, "no verdict filter found")
            return
        for v in [x for x in VERDICTS if x in radios] + ["all"]:
            label = d.find_element(By.CSS_SELECTOR, f"label[for=vf-{v}]")
            d.execute_script("arguments[0].scrollIntoView({block: 'center'});", label)
            label.click()
            checked = d.execute_script(f"return document.getElementById('vf-{v}').checked;")
            if not checked:
                self.fail(mode, f"clicking the '{v}' label did not select the filter")
                continue
            state = d.execute_script(RESULT_STATE_JS)
            wrong = [s for s in state if s["hidden"] != (v != "all" and s["verdict"] != v)]
            if wrong:
                self.fail(mode, f"filter '{v}': {len(wrong)} result(s) shown or hidden wrongly, e.g. {wrong[0]}")
                continue
            shown = sum(1 for s in state if not s["hidden"])
            detail = f"filter '{v}': {shown} of {len(state)} result(s) kept"
            if javascript and v != "all":
                unseen = [s for s in state if not s["hidden"] and not s["visible"]]
                if unseen:
                    self.fail(mode, f"filter '{v}': {len(unseen)} matching result(s) stay inside closed branches")
                    continue
                detail += ", all of them open"
            self.ok(mode, detail)

    def check_print(self, d, mode):
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        try:
            bar = d.execute_script("var b = document.querySelector('.filterbar'); return b ? getComputedStyle(b).display : 'none';")
            if bar != "none":
                self.fail(mode, "print: the filter bar is shown")
            closed = d.execute_script("""
              var all = Array.from(document.querySelectorAll('details:not([open]) > :not(summary)'));
              return [all.length, all.filter(function (e) { return !e.checkVisibility(); }).length];""")
            if closed[1]:
                self.fail(mode, f"print: {closed[1]} of {closed[0]} closed <details> bodies stay hidden")
            else:
                self.ok(mode, f"print: controls hidden, {closed[0]} closed <details> bodies shown")
        finally:
            d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

    def run(self, javascript: bool, screenshot=None, print_screenshot=None):
        mode = "js on" if javascript else "js off"
        d = self.driver(javascript)
        try:
            d.get(self.url)
            self.console_errors(d, mode)
            self.requests(d, mode)
            if d.execute_script("return typeof window.__xss !== 'undefined';"):
                self.fail(mode, "window.__xss was set: injected script ran")
            else:
                self.ok(mode, "window.__xss not set")
            styled = d.execute_script("var b = document.querySelector('.filterbar'); return b ? getComputedStyle(b).position : '';")
            if styled != "sticky":
                self.fail(mode, "the inline style sheet did not apply (CSP hash mismatch?)")
            else:
                self.ok(mode, "inline style sheet applied")
            ran = d.execute_script("var b = document.querySelector('button[data-details]'); return !!b && !b.hidden;")
            if javascript and not ran:
                self.fail(mode, "the inline script did not run (CSP hash mismatch?)")
            elif javascript:
                self.ok(mode, "inline script ran")
            elif ran:
                self.fail(mode, "the page script ran although JavaScript is off: this pass proves nothing")
            else:
                self.ok(mode, "page script did not run (JavaScript off)")
            if screenshot:
                height = d.execute_script("return document.documentElement.scrollHeight;")
                d.set_window_size(1400, min(int(height), 16000))
                d.save_screenshot(str(screenshot))
                d.set_window_size(1400, 1000)
                print(f"     [{mode}] screenshot: {screenshot}")
            self.check_filter(d, mode, javascript)
            self.check_print(d, mode)
            if print_screenshot:
                d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
                d.set_window_size(900, 1200)
                d.save_screenshot(str(print_screenshot))
                d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
                print(f"     [{mode}] print screenshot: {print_screenshot}")
            self.console_errors(d, mode)
            if d.execute_script("return typeof window.__xss !== 'undefined';"):
                self.fail(mode, "window.__xss was set after interaction")
        finally:
            d.quit()


def main():
    p = argparse.ArgumentParser(description="Check a cek-audit report.html in headless Chromium.")
    p.add_argument("report", type=pathlib.Path)
    p.add_argument("--screenshot", type=pathlib.Path, help="write a full-page screenshot (JavaScript on)")
    p.add_argument("--print-screenshot", type=pathlib.Path, help="write a screenshot in print media (JavaScript off)")
    args = p.parse_args()
    if not args.report.is_file():
        sys.stderr.write(f"{args.report}: no such file\n")
        return 2
    c = Checker(args.report)
    c.run(javascript=True, screenshot=args.screenshot)
    c.run(javascript=False, print_screenshot=args.print_screenshot)
    if c.failures:
        print(f"{len(c.failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
