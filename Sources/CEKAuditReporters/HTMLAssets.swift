import CEKAuditCore

/// The report's style sheet and script. Both are inlined and allowed by hash (``HTMLContentSecurityPolicy``); neither
/// contains a string from the report.
enum HTMLAssets {
    /// The fixed part of the style sheet. Verdict colours are dark enough for white badge text to meet WCAG 2.2 AA
    /// (contrast ≥ 4.5:1), and every badge also carries the verdict as text.
    static let baseStyle = #"""
:root {
  color-scheme: light;
  --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa; --accent: #0b4f8a; --head: #0f2a44;
  --fail: #b42318; --inconclusive: #8a4b00; --manual: #5b3fa0; --pass: #1a7f37; --waived: #0e6e7a; --na: #59636e;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { scroll-padding-top: 4.5rem; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "DejaVu Sans", Arial, sans-serif; }
a { color: var(--accent); }
a:focus-visible, summary:focus-visible, button:focus-visible { outline: 3px solid #4c9aff; outline-offset: 2px; }
code, .mono { font-family: var(--mono); font-size: .86em; overflow-wrap: anywhere; }
.skip { position: absolute; left: -9999px; top: .5rem; background: #fff; color: var(--ink); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.muted { color: var(--muted); }
.prose { white-space: pre-line; }

header.top { background: var(--head); color: #fff; padding: 1.6rem 2rem 1.4rem; }
header.top .inner { max-width: 90rem; margin: 0 auto; }
header.top .eyebrow { margin: 0; font-size: .8rem; letter-spacing: .08em; text-transform: uppercase; color: #b9cbe0; }
header.top h1 { margin: .2rem 0 .1rem; font-size: 1.75rem; line-height: 1.25; overflow-wrap: anywhere; }
header.top .subtitle { margin: 0; color: #dbe6f2; font-size: 1.05rem; }
header.top dl { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: .6rem 1.5rem; margin: 1.2rem 0 0; }
header.top dl div { min-width: 0; }
header.top dt { font-size: .72rem; letter-spacing: .06em; text-transform: uppercase; color: #b9cbe0; }
header.top dd { margin: 0; font-size: .92rem; overflow-wrap: anywhere; }
header.top code { font-size: .82rem; }

.layout { display: grid; grid-template-columns: 15rem minmax(0, 1fr); gap: 2.5rem; max-width: 90rem; margin: 0 auto; padding: 1.5rem 2rem 3rem; }
nav.toc { position: sticky; top: 1rem; align-self: start; max-height: calc(100vh - 2rem); overflow: auto; font-size: .9rem; }
nav.toc h2 { font-size: .8rem; letter-spacing: .06em; text-transform: uppercase; color: var(--muted); border: 0; margin: 0 0 .5rem; padding: 0; }
nav.toc ol { list-style: none; margin: 0; padding: 0; }
nav.toc li { margin: .15rem 0; }
nav.toc ol ol { margin: .2rem 0 .4rem .8rem; font-size: .85rem; }
nav.toc a { text-decoration: none; color: var(--ink); display: inline-block; padding: .05rem 0; }
nav.toc a:hover { color: var(--accent); text-decoration: underline; }
nav.toc .badge { min-width: 0; font-size: .62rem; padding: 0 .35em; margin-left: .25rem; }
@media (max-width: 62rem) {
  .layout { grid-template-columns: minmax(0, 1fr); padding: 1rem; }
  nav.toc { position: static; max-height: none; border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem; }
}

main > section { margin: 0 0 2.75rem; }
h2 { font-size: 1.35rem; margin: 0 0 1rem; padding-bottom: .35rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
.lead { margin: -.4rem 0 1rem; color: var(--muted); }
.empty { color: var(--muted); font-style: italic; }

.v-fail { --vc: var(--fail); --vt: #fdf1f0; }
.v-inconclusive { --vc: var(--inconclusive); --vt: #fdf6ec; }
.v-manual { --vc: var(--manual); --vt: #f5f2fb; }
.v-pass { --vc: var(--pass); --vt: #eff8f1; }
.v-waived { --vc: var(--waived); --vt: #edf7f8; }
.v-not_applicable { --vc: var(--na); --vt: #f4f5f6; }
.badge { display: inline-block; min-width: 6.2em; padding: .12em .55em; border-radius: .3em; background: var(--vc, var(--na)); color: #fff;
  font-size: .72rem; font-weight: 700; letter-spacing: .04em; text-align: center; white-space: nowrap; line-height: 1.5; }
.badge.big { font-size: 1.05rem; padding: .25em .8em; }
.a-yes { --vc: var(--pass); } .a-no { --vc: var(--fail); } .a-na { --vc: var(--na); } .a-undetermined { --vc: var(--inconclusive); }
.sev { display: inline-block; padding: 0 .45em; border: 1px solid var(--line); border-radius: .3em; font-size: .72rem; color: var(--muted);
  white-space: nowrap; background: #fff; }
.sev-high, .sev-critical { color: #8c1d18; border-color: #e8b4af; }
.sev-critical { font-weight: 700; }
.status { font-weight: 600; }
.status-failed { color: var(--fail); } .status-partial { color: var(--inconclusive); } .status-complete { color: var(--pass); }
.status-skipped { color: var(--muted); }
.status-waiver-expired, .status-waiver-over_cap { color: var(--fail); } .status-waiver-stale, .status-waiver-expiring { color: var(--inconclusive); }
.status-waiver-active { color: var(--waived); }
.diag-error { color: var(--fail); font-weight: 600; } .diag-warning { color: var(--inconclusive); font-weight: 600; } .diag-info { color: var(--muted); }

.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); gap: 1rem; }
.card { border: 1px solid var(--line); border-radius: .55rem; padding: 1rem 1.1rem; background: #fff; min-width: 0; }
.card h3 { margin: 0 0 .6rem; font-size: .8rem; letter-spacing: .06em; text-transform: uppercase; color: var(--muted); }
.card.overall { border-top: 5px solid var(--vc); }
.card.overall p { margin: .6rem 0 0; font-size: .88rem; color: var(--muted); }
.counts { width: 100%; border-collapse: collapse; font-size: .88rem; }
.counts td { padding: .2rem 0; border: 0; }
.counts td.n { text-align: right; font-variant-numeric: tabular-nums; font-weight: 600; }
.counts tr.zero { color: var(--muted); }
.counts tr.zero .badge { background: #fff; color: var(--vc); box-shadow: inset 0 0 0 1px var(--vc); }
.bar { display: flex; height: .6rem; border-radius: .3rem; overflow: hidden; background: var(--panel); margin: .2rem 0 .6rem; }
.bar span { display: block; flex: 0 1 0; background: var(--vc); }

table.grid { border-collapse: collapse; width: 100%; font-size: .88rem; }
table.grid th, table.grid td { text-align: left; vertical-align: top; padding: .45rem .6rem; border-bottom: 1px solid var(--line); }
table.grid th { background: var(--panel); font-weight: 600; position: sticky; top: 0; }
table.grid td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.grid tr:target td { background: #fff7d6; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: .5rem; }
.table-wrap table.grid tr:last-child td { border-bottom: 0; }

.caiq { border: 1px solid var(--line); border-left: 6px solid var(--vc); border-radius: .55rem; padding: 1.1rem 1.3rem; margin-bottom: 1rem; }
.caiq header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; }
.caiq header h3 { margin: 0; font-size: 1.1rem; }
.caiq .question { font-size: 1rem; margin: .6rem 0 .8rem; }
.caiq .cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: .5rem 2rem; }
.caiq h4 { margin: .8rem 0 .3rem; font-size: .8rem; letter-spacing: .05em; text-transform: uppercase; color: var(--muted); }
.caiq ul { margin: 0; padding-left: 1.2rem; }
.caiq li { margin: .15rem 0; }
.caiq ul.derived { list-style: none; padding: 0; }
.caiq .note { margin: 1rem 0 0; font-size: .85rem; color: var(--muted); }
dl.kv { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .25rem 1rem; margin: 0; font-size: .9rem; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; overflow-wrap: anywhere; }

.filterbar { position: sticky; top: 0; z-index: 3; display: flex; flex-wrap: wrap; align-items: center; gap: .4rem;
  margin: 0 0 1rem; padding: .55rem .75rem; background: rgba(255, 255, 255, .97); border: 1px solid var(--line); border-radius: .55rem;
  box-shadow: 0 2px 6px rgba(27, 31, 36, .06); }
.filterbar .title { font-weight: 600; margin-right: .25rem; }
.filterbar .options { display: flex; flex-wrap: wrap; gap: .4rem; }
.filterbar input { position: absolute; opacity: 0; width: 1px; height: 1px; margin: 0; }
.filterbar label { display: inline-flex; align-items: center; gap: .35rem; padding: .2rem .75rem; border: 1px solid var(--line);
  border-radius: 999px; background: #fff; cursor: pointer; font-size: .85rem; user-select: none; }
.filterbar label:hover { border-color: var(--muted); }
.filterbar label .n { font-variant-numeric: tabular-nums; color: var(--muted); }
.filterbar label .dot { width: .6rem; height: .6rem; border-radius: 50%; background: var(--vc); }
.filterbar input:checked + label { background: var(--ink); border-color: var(--ink); color: #fff; }
.filterbar input:checked + label .n { color: #d0d7de; }
.filterbar input:focus-visible + label { outline: 3px solid #4c9aff; outline-offset: 2px; }
.filterbar .tools { margin-left: auto; display: flex; gap: .4rem; }
.filterbar button { font: inherit; font-size: .82rem; padding: .2rem .7rem; border: 1px solid var(--line); border-radius: .35rem; background: var(--panel);
  color: var(--ink); cursor: pointer; }
.filter-empty, .print-note { display: none; }
.filter-empty { padding: 1rem; border: 1px dashed var(--line); border-radius: .5rem; color: var(--muted); }

details > summary { list-style: none; cursor: pointer; display: flex; flex-wrap: wrap; align-items: baseline; gap: .35rem .6rem; }
details > summary::-webkit-details-marker { display: none; }
details > summary::before { content: "\25B8"; color: var(--muted); width: .8em; flex: none; }
details[open] > summary::before { content: "\25BE"; }
.guideline { border: 1px solid var(--line); border-left: 5px solid var(--vc); border-radius: .55rem; margin: 0 0 .9rem; background: #fff; }
.guideline > summary { padding: .7rem 1rem; }
.guideline > summary h3 { margin: 0; font-size: 1.02rem; flex: 1 1 20rem; min-width: 0; }
.guideline > summary .gid { font-family: var(--mono); font-size: .9em; color: var(--muted); margin-right: .3rem; }
.guideline > .body { padding: 0 1rem 1rem 2.2rem; }
.guideline > .body > .prose { margin: 0 0 .6rem; }
.tally { font-size: .8rem; color: var(--muted); }
.procedure { border-left: 3px solid var(--manual); background: #f5f2fb; padding: .5rem .8rem; margin: .5rem 0; border-radius: 0 .35rem .35rem 0; font-size: .9rem; }
.check { border-top: 1px solid var(--line); padding: .15rem 0; }
.check > summary { padding: .55rem 0; }
.check > summary h4 { margin: 0; font-size: .95rem; font-weight: 600; flex: 1 1 18rem; min-width: 0; }
.check > summary .cid { font-family: var(--mono); font-size: .85em; color: var(--muted); margin-right: .3rem; font-weight: 400; }
.check > .body { padding: 0 0 .6rem 1.4rem; }
.check .rationale { margin: 0 0 .5rem; font-size: .9rem; color: var(--muted); }
.result { border-left: 4px solid var(--vc); background: var(--vt); border-radius: 0 .4rem .4rem 0; margin: .45rem 0; }
.result > summary { padding: .45rem .7rem; }
.result > summary .msg { flex: 1 1 22rem; min-width: 0; overflow-wrap: anywhere; }
.result > .body { padding: .1rem .9rem .7rem 2.1rem; font-size: .9rem; }
.result .label { margin: .6rem 0 .2rem; font-size: .75rem; letter-spacing: .05em; text-transform: uppercase; color: var(--muted); font-weight: 600; }
.result ul { margin: 0; padding-left: 1.2rem; }
.result li { margin: .1rem 0; overflow-wrap: anywhere; }
.missing { color: var(--fail); }
.result .hash { color: var(--muted); font-size: .8em; }
.nowrap { white-space: nowrap; overflow-wrap: normal; }

.resource { border: 1px solid var(--line); border-radius: .45rem; margin: .4rem 0; }
.resource > summary { padding: .5rem .8rem; }
.resource > summary .name { font-weight: 600; overflow-wrap: anywhere; }
.resource > .body { padding: 0 .8rem .8rem 2rem; }
.resource table.grid td:first-child { width: 30%; }
.unknown { color: var(--inconclusive); font-style: italic; }
.null { color: var(--muted); font-style: italic; }
.resource .label { margin: .7rem 0 .2rem; font-size: .75rem; letter-spacing: .05em; text-transform: uppercase; color: var(--muted); font-weight: 600; }
.resource ul { margin: 0; padding-left: 1.2rem; font-size: .9rem; }
.result > .body > .subjects > summary { margin: .6rem 0 .2rem; font-size: .75rem; letter-spacing: .05em; text-transform: uppercase; color: var(--muted); font-weight: 600; }
.result .subjects ol { margin: 0; padding-left: 2.6rem; }
.result .variant { margin: .8rem 0 0; font-weight: 600; overflow-wrap: anywhere; }
.rtype { border: 1px solid var(--line); border-radius: .45rem; margin: .5rem 0; }
.rtype > summary { padding: .5rem .8rem; }
.rtype > summary h3 { margin: 0; }
.rtype > :not(summary) { margin-left: .8rem; margin-right: .8rem; }
.rtype .label { margin: .7rem .8rem .2rem; font-size: .75rem; letter-spacing: .05em; text-transform: uppercase; color: var(--muted); font-weight: 600; }
.rtype dl.kv, .rtype ol.notes { margin-bottom: .8rem; font-size: .88rem; }
.rtable { width: auto; min-width: 100%; }
.rtable td, .rtable th, .rtable code { font-size: .84rem; white-space: nowrap; overflow-wrap: normal; }
.rtable td:empty::after { content: "none"; color: var(--muted); font-style: italic; }
.rtable tbody td:first-child { font-family: var(--mono); }
.rtable td.vb { color: var(--vc); font-weight: 700; font-size: .72rem; letter-spacing: .04em; white-space: nowrap; }
.rtable ul { margin: 0; padding-left: 1rem; }
.resource, .guideline, .check, .result, table.grid tr { scroll-margin-top: 4.5rem; }
:target > summary, .resource:target { box-shadow: inset 0 0 0 2px #f2c94c; }

footer.foot { max-width: 90rem; margin: 0 auto; padding: 1rem 2rem 2rem; color: var(--muted); font-size: .82rem; border-top: 1px solid var(--line); overflow-wrap: anywhere; }

@page { margin: 14mm 12mm; }
@media print {
  body { font-size: 10pt; }
  header.top { background: none; color: var(--ink); padding: 0 0 .5rem; border-bottom: 2px solid var(--ink); }
  header.top .eyebrow, header.top .subtitle, header.top dt { color: var(--muted); }
  .layout { display: block; padding: 0; max-width: none; }
  nav.toc, .filterbar, .skip, .tools, button { display: none !important; }
  a { color: inherit; text-decoration: none; }
  details > summary::before, details[open] > summary::before { content: none; }
  .badge, .bar span, .result, .guideline, .caiq, .card.overall { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  .result, .resource, .caiq, .card, table.grid tr, .check > summary, .guideline > summary { break-inside: avoid; }
  h2, h3, h4, summary { break-after: avoid; }
  main > section { margin-bottom: 1.5rem; }
  table.grid th { position: static; }
  .print-note { display: none; margin: 0 0 .8rem; padding: .4rem .6rem; border: 1px solid var(--ink); font-weight: 600; }
}
@media print {
  details::details-content { content-visibility: visible; }
}
"""#

    /// Rules that depend on the report: what each filter hides, and the widths of the summary bars.
    /// Built only from verdict identifiers and counts.
    static func generatedStyle(resultCounts: VerdictCounts, guidelineCounts: VerdictCounts) -> String {
        var css = "/* Filters: with a verdict chosen, hide results of other verdicts and branches without one. */\n"
        for v in HTMLVerdict.order {
            let on = "#results:has(#vf-\(v.rawValue):checked)"
            css += "\(on) .result:not(.v-\(v.rawValue)), \(on) .branch:not(.has-\(v.rawValue)) { display: none; }\n"
            css += "\(on) .filter-empty.e-\(v.rawValue) { display: block; }\n"
            css += "@media print { \(on) .print-note.e-\(v.rawValue) { display: block; } }\n"
        }
        css += "/* Summary bars: one segment per verdict, as wide as its count. */\n"
        for (name, counts) in [("results", resultCounts), ("guidelines", guidelineCounts)] {
            for v in HTMLVerdict.order where counts.count(v) > 0 {
                css += ".bar-\(name) .seg-\(v.rawValue) { flex-grow: \(counts.count(v)); }\n"
            }
        }
        return css
    }

    /// Progressive enhancement only; the report reads, filters and prints without it. Opens the `<details>` on the
    /// way to a linked anchor, opens branches that hold results of the chosen filter, shows "expand / collapse all",
    /// and opens everything while printing. No handler attributes: listeners only (CSP forbids inline handlers).
    static let script = #"""
"use strict";
(function () {
  var doc = document;
  function each(selector, fn) { Array.prototype.forEach.call(doc.querySelectorAll(selector), fn); }
  function reveal(el) { for (; el; el = el.parentElement) { if (el.tagName === "DETAILS") { el.open = true; } } }
  function revealTarget() {
    var id = window.location.hash.slice(1);
    var target = id ? doc.getElementById(id) : null;
    if (target) { reveal(target); }
  }
  window.addEventListener("hashchange", revealTarget);
  revealTarget();
  each("input[name=verdict-filter]", function (radio) {
    radio.addEventListener("change", function () {
      if (radio.checked && radio.value !== "all") {
        each("#results details.branch.has-" + radio.value, function (d) { d.open = true; });
      }
    });
  });
  each("button[data-details]", function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("data-details") === "open";
      each("#results details", function (d) { d.open = open; });
    });
  });
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    each("details:not([open])", function (d) { d.open = true; openedForPrint.push(d); });
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (d) { d.open = false; });
    openedForPrint = [];
  });
})();
"""#
}

/// How verdicts are shown: order, words and badge text.
enum HTMLVerdict {
    /// Display order: what needs attention first.
    static let order: [Verdict] = [.fail, .inconclusive, .manual, .pass, .waived, .notApplicable]

    /// Sentence-case name, e.g. "Not applicable".
    static func title(_ v: Verdict) -> String {
        switch v {
        case .pass: return "Pass"
        case .fail: return "Fail"
        case .notApplicable: return "Not applicable"
        case .inconclusive: return "Inconclusive"
        case .manual: return "Manual"
        case .waived: return "Waived"
        }
    }

    /// Badge text, e.g. "NOT APPLICABLE".
    static func badge(_ v: Verdict) -> String { title(v).uppercased() }

    /// The class that colours an element by verdict, e.g. `v-not_applicable`.
    static func cssClass(_ v: Verdict) -> String { "v-" + v.rawValue }
}
