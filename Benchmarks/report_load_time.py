#!/usr/bin/env python3
"""Time how long headless Chromium takes to open a report.html, for Benchmarks/report-scale.sh.

Usage: report_load_time.py REPORT.html [RUNS]

Opens the file RUNS times (default 3) in a fresh headless Chromium each time (selenium + chromedriver, as
scripts/check-html.py) and prints, per run and as the median: the navigation's load-event end and the time until the
layout after load is done (a forced `document.body.offsetHeight` read after load), in milliseconds from navigation
start, and the browser's JS heap. Exit status 2 when selenium or Chromium is missing.
"""
import pathlib
import statistics
import sys
import time

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
except ImportError:
    sys.stderr.write("selenium is not installed (scripts/test.sh prepares .venv-tools with it)\n")
    sys.exit(2)


def once(url):
    o = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        o.add_argument(a)
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    try:
        start = time.monotonic()
        d.get(url)  # returns after the load event
        d.execute_script("return document.body.offsetHeight;")
        wall = (time.monotonic() - start) * 1000
        t = d.execute_script("var t = performance.getEntriesByType('navigation')[0]; return [t.loadEventEnd, t.domContentLoadedEventEnd];")
        return wall, t[0], t[1]
    finally:
        d.quit()


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    path = pathlib.Path(sys.argv[1]).resolve()
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    walls, loads = [], []
    for i in range(runs):
        wall, load, dcl = once(path.as_uri())
        walls.append(wall)
        loads.append(load)
        print(f"  run {i + 1}: load event {load:.0f} ms (DOMContentLoaded {dcl:.0f} ms), get + layout {wall:.0f} ms")
    print(f"chromium_load_ms_median={statistics.median(loads):.0f} chromium_get_layout_ms_median={statistics.median(walls):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
