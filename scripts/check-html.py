#!/usr/bin/env python3
"""Check a cek-audit report.html in headless Chromium, offline.

Usage:
    scripts/check-html.py REPORT.html [--scale] [--only-js-off] [--skip-print] [--screenshot OUT.png] [--print-screenshot OUT.png]

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
  * in print media the filter bar is hidden and the content of closed <details> is shown;
  * evidence.html beside the report: following an evidence link shows the item's row (its closed group opens, with
    JavaScript off too), and the page has no console error, makes no request, runs no injected script and is styled;
  * with --scale (a report over thousands of keys): results are grouped — every group's count equals the subjects its
    drill-downs list, the counts add up to the number of results, the drill-downs start closed — and following a
    subject's link to its resource row shows that row, with JavaScript off too (the browser opens the closed
    <details> on the way to a fragment).
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


# Result groups: each `details.result` carries `data-count`; its drill-downs (`details.subjects`) list that many subjects.
GROUPS_JS = """
var groups = Array.from(document.querySelectorAll('#results details.result'));
var bad = [], total = 0, drilldowns = 0, openDrilldowns = 0;
groups.forEach(function (g) {
  var n = parseInt(g.getAttribute('data-count') || 'NaN', 10);
  if (isNaN(n)) { bad.push((g.id || '?') + ': no data-count'); return; }
  total += n;
  var lists = g.querySelectorAll(':scope > .body > details.subjects');
  var items = 0;
  lists.forEach(function (l) { drilldowns += 1; if (l.open) { openDrilldowns += 1; } items += l.querySelector('ol').children.length; });
  if (n > 1 && items !== n) { bad.push(g.id + ': ' + items + ' subject(s) listed for a count of ' + n); }
});
var all = document.querySelector('label[for=vf-all] .n');
return {groups: groups.length, total: total, expected: all ? parseInt(all.textContent, 10) : -1, bad: bad,
        drilldowns: drilldowns, openDrilldowns: openDrilldowns};
"""


class Checker:
    def __init__(self, path: pathlib.Path, scale: bool = False):
        self.path = path
        self.url = path.resolve().as_uri()
        self.scale = scale
        self.skip_print = False
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

    def check_groups(self, d, mode):
        g = d.execute_script(GROUPS_JS)
        if g["bad"]:
            self.fail(mode, f"{len(g['bad'])} group(s) whose drill-down does not list their count, e.g. {g['bad'][0]}")
        if g["total"] != g["expected"]:
            self.fail(mode, f"the groups hold {g['total']} result(s), the 'All' filter counts {g['expected']}")
        if g["groups"] == 0 or g["drilldowns"] == 0:
            self.fail(mode, f"no result group with a drill-down ({g['groups']} group(s), {g['drilldowns']} drill-down(s))")
        elif g["groups"] * 10 > g["total"]:
            self.fail(mode, f"{g['groups']} groups for {g['total']} results: results are not grouped")
        if g["openDrilldowns"]:
            self.fail(mode, f"{g['openDrilldowns']} subject drill-down(s) start open")
        if not (g["bad"] or g["total"] != g["expected"] or g["openDrilldowns"]):
            self.ok(mode, f"{g['total']} results in {g['groups']} groups, {g['drilldowns']} closed drill-downs listing every subject")

    def check_subject_link(self, d, mode):
        href = d.execute_script("var a = document.querySelector('#results details.subjects a[href^=\"#r-\"]'); return a ? a.getAttribute('href') : null;")
        if not href:
            self.fail(mode, "no subject links to its resource row")
            return
        d.get(self.url + href)
        shown = d.execute_script("var e = document.getElementById(arguments[0]); return !!e && e.checkVisibility();", href[1:])
        if shown:
            self.ok(mode, f"following a subject's link ({href}) shows its resource row")
        else:
            self.fail(mode, f"following {href} leaves the resource row hidden")
        d.get(self.url)

    def check_evidence(self, d, mode):
        """evidence.html beside the report: following a report's evidence link shows that item's row (the browser
        opens its closed group on the way, with JavaScript off too); the page itself passes the same safety checks
        (no console error, no request besides itself, no injected script, its style sheet applied)."""
        href = d.execute_script("var a = document.querySelector('a[href^=\"evidence.html#E\"]'); return a ? a.getAttribute('href') : null;")
        page = self.path.parent / "evidence.html"
        if not href:
            count = d.execute_script("var s = document.querySelector('#evidence table'); return s ? 1 : 0;")
            if count:
                self.fail(mode, "the Evidence section lists groups but no evidence link leads into evidence.html")
            else:
                self.ok(mode, "no evidence item to link to")
            return
        if not page.is_file():
            self.fail(mode, f"the report links to {href} but {page} does not exist")
            return
        url = page.resolve().as_uri()
        d.get_log("performance")  # drop the report's own entries
        d.get(url + href[len("evidence.html"):])
        self.console_errors(d, mode)
        import json
        urls = set()
        for entry in d.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg.get("method") == "Network.requestWillBeSent":
                urls.add(msg["params"]["request"]["url"])
        foreign = sorted(u for u in urls if u.split("#")[0] != url)
        if foreign:
            self.fail(mode, "evidence.html: requests besides the document: " + ", ".join(foreign))
        if d.execute_script("return typeof window.__xss !== 'undefined';"):
            self.fail(mode, "evidence.html: window.__xss was set: injected script ran")
        styled = d.execute_script("var t = document.querySelector('table.grid'); return t ? getComputedStyle(t).borderCollapse : '';")
        if styled != "collapse":
            self.fail(mode, "evidence.html: the inline style sheet did not apply (CSP hash mismatch?)")
        anchor = href.split("#", 1)[1]
        shown = d.execute_script("var e = document.getElementById(arguments[0]); return !!e && e.checkVisibility();", anchor)
        groups = d.execute_script("return document.querySelectorAll('details.evidence-group').length;")
        if shown:
            self.ok(mode, f"following an evidence link ({href}) shows its row in evidence.html ({groups} group(s))")
        else:
            self.fail(mode, f"following {href} leaves the row hidden or missing in evidence.html")
        d.get(self.url)

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
            if self.scale:
                self.check_groups(d, mode)
                self.check_subject_link(d, mode)
            self.check_evidence(d, mode)
            if not self.skip_print:
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
    p.add_argument("--scale", action="store_true", help="also check the result groups, their drill-downs and the links to resource rows")
    p.add_argument("--only-js-off", action="store_true", help="load the page with JavaScript off only (what the filters and drill-downs must work with)")
    p.add_argument("--skip-print", action="store_true", help="skip the print-media check (laying out a 10,000-key report for print takes long)")
    p.add_argument("--screenshot", type=pathlib.Path, help="write a full-page screenshot (JavaScript on)")
    p.add_argument("--print-screenshot", type=pathlib.Path, help="write a screenshot in print media (JavaScript off)")
    args = p.parse_args()
    if not args.report.is_file():
        sys.stderr.write(f"{args.report}: no such file\n")
        return 2
    c = Checker(args.report, scale=args.scale)
    c.skip_print = args.skip_print
    if not args.only_js_off:
        c.run(javascript=True, screenshot=args.screenshot)
    c.run(javascript=False, print_screenshot=args.print_screenshot)
    if c.failures:
        print(f"{len(c.failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
