import CEKAuditCore
import CEKAuditKit
import Foundation
import Testing

extension Validators {
    /// Whether `python` can import openpyxl (the CAIQ workbook tests build and read their workbooks with it).
    static let openpyxl = imports(["openpyxl"])
    static var runOpenpyxl: Bool { openpyxl || required }
    static let openpyxlMissing: Comment = """
        needs openpyxl ($CEK_AUDIT_PYTHON or python3); scripts/test.sh installs it and runs this test
        """
}

/// `cek-audit caiq fill`: CSA's workbooks may not be redistributed, so each test builds its own workbook in one of the
/// supported layouts with openpyxl (a second sheet, styles, a data validation on the answer column, a defined name
/// and a comment), pre-fills CEK-08.1 with "Yes", fills it from the bundled example's report (which says NO) and
/// reads the result back with openpyxl and Python's zipfile.
@Suite(.enabled(if: Validators.runOpenpyxl, Validators.openpyxlMissing))
struct CAIQFillTests {
    static let example = "Reports/acme-ai-platform/report.json"

    /// Builds a workbook: layout `ai-caiq-1.1`, `caiq-4.1`, `caiq-4.0`, `ai-caiq-fixed` or `unknown`; strings `inline`
    /// or `shared`.
    static let generator = #"""
import json, re, sys, zipfile
from xml.sax.saxutils import escape, unescape
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

layout, out, strings = sys.argv[1], sys.argv[2], sys.argv[3]
LAYOUTS = {
    "ai-caiq-1.1": ("AI-CAIQv1.1.0", '{"specification_version":"1.1.0"}', 2,
                    ["Question ID", "Question", "Service Provider AI-CAIQ Answer", "SSRM Control Ownership",
                     "Service Provider Implementation Description (Recommended/Optional)",
                     "Service Customer Responsibilities (Recommended/Optional)", None, None,
                     "AICM Control ID", "AICM Control Specification", "AICM Control Title", "AICM Domain Title"]),
    "caiq-4.1": ("CAIQv4.1.0", '{"specification_version":"4.1.0"}', 2,
                 ["Question ID", "Question", "CSP CAIQ Answer", "SSRM Control Ownership",
                  "CSP Implementation Description\n(Optional/Recommended)", "CSC Responsibilities\n(Optional/Recommended)", None, None,
                  "CCM Control ID", "CCM Control Specification", "CCM Control Title", "CCM Domain Title"]),
    "caiq-4.0": ("CAIQv4.0.2", "Consensus Assessments Initiative Questionnaire v4.0.2", 3,
                 ["Question ID", "Question", "CSP CAIQ Answer", "SSRM Control Ownership",
                  "CSP Implementation Description (Optional/Recommended)", "CSC Responsibilities (Optional/Recommended)", None, None,
                  "CCM Control ID", "CCM Control Specification", "CCM Control Title", "CCM Domain Title"]),
    # CSA's sheet name, header text this tool does not know: CSA's fixed columns.
    "ai-caiq-fixed": ("AI-CAIQv1.0.2", '{"specification_version":"1.0.2"}', 2,
                      ["Identifiant", "Libellé", "Réponse", "Propriété", "Description", "Client", None, None,
                       "AICM", "Spécification", "Titre", "Domaine"]),
    "unknown": ("Sheet1", "Vendor questionnaire", 2, ["ID", "Text", "Response", "Owner", "Notes"]),
}
name, a1, header_row, headers = LAYOUTS[layout]
wb = Workbook()
intro = wb.active
intro.title = "Introduction"
intro["A1"] = "Paraphrased instructions for the test workbook."
intro["A2"] = "Yes"
ws = wb.create_sheet(name)
ws["A1"] = a1
bold, header_fill = Font(bold=True), PatternFill("solid", fgColor="FFD9D9D9")
answer_fill = PatternFill("solid", fgColor="FFFFF2CC")
for col, text in enumerate(headers, start=1):
    if text is not None:
        c = ws.cell(row=header_row, column=col, value=text)
        c.font, c.fill = bold, header_fill
questions = [("CEK-07.1", "Is encryption risk managed?", "CEK-07"),
             ("CEK-08.1", "Can customers manage their own data encryption keys?", "CEK-08"),
             ("CEK-09.1", "Are encryption and key management audited?", "CEK-09")]
first = header_row + 1
for i, (qid, text, control) in enumerate(questions):
    r = first + i
    ws.cell(row=r, column=1, value=qid)
    ws.cell(row=r, column=2, value=text)
    if len(headers) > 8:
        ws.cell(row=r, column=9, value=control)
        ws.cell(row=r, column=10, value="Paraphrased specification of " + control)
    ws.cell(row=r, column=3).fill = answer_fill          # styled, empty answer cells
    if qid != "CEK-08.1":
        ws.cell(row=r, column=4).fill = answer_fill
ws.cell(row=first + 1, column=3, value="Yes")            # CEK-08.1 pre-filled; D styled empty, E and F absent
ws.cell(row=first + 1, column=4).fill = answer_fill
ws.cell(row=first, column=3, value="Yes")                # CEK-07.1 answered by the provider (not in the report)
dv = DataValidation(type="list", formula1='"Yes,No,NA"', allow_blank=True)
ws.add_data_validation(dv)
dv.add(f"C{first}:C{first + 50}")
wb.defined_names["AnswerRange"] = DefinedName("AnswerRange", attr_text=f"'{name}'!$C${first}:$C${first + 50}")
ws.cell(row=first + 1, column=2).comment = Comment("Paraphrased note on the question.", "tester")
wb.save(out)

sheet_path = "xl/worksheets/sheet2.xml"
if strings == "shared":
    # openpyxl writes inline strings; this variant moves every sheet's strings into xl/sharedStrings.xml, as Excel does.
    with zipfile.ZipFile(out) as z:
        entries = [(i, z.read(i.filename)) for i in z.infolist()]
    table, index = [], {}
    def share(m):
        text = unescape(m.group(2))
        if text not in index:
            index[text] = len(table)
            table.append(text)
        attrs = m.group(1).replace(' t="inlineStr"', "")
        return f'<c{attrs} t="s"><v>{index[text]}</v></c>'
    pattern = re.compile(r'<c([^>]*? t="inlineStr"[^>]*)><is><t>(.*?)</t></is></c>', re.S)
    rewritten = []
    for info, data in entries:
        if info.filename.startswith("xl/worksheets/sheet"):
            data = pattern.sub(share, data.decode()).encode()
        elif info.filename == "[Content_Types].xml":
            data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        elif info.filename == "xl/_rels/workbook.xml.rels":
            data = data.replace(b"</Relationships>", b'<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        rewritten.append((info, data))
    sst = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           f'count="{len(table) + 3}" uniqueCount="{len(table)}">' + "".join(f"<si><t>{escape(t)}</t></si>" for t in table) + "</sst>")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in rewritten:
            z.writestr(info, data)
        z.writestr("xl/sharedStrings.xml", sst)
print(json.dumps({"sheet_path": sheet_path, "first_row": first, "sheet": name}))
"""#

    /// Compares two packages entry by entry and reads the CEK-08.1 row back: `check.py original filled sheet row`.
    static let checker = #"""
import json, sys, zipfile
from openpyxl import load_workbook
original, filled, sheet, row = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with zipfile.ZipFile(original) as a, zipfile.ZipFile(filled) as b:
    names_a, names_b = a.namelist(), b.namelist()
    changed = sorted(n for n in names_a if n in names_b and a.read(n) != b.read(n))
wb = load_workbook(filled)
ws = wb[sheet]
cells = {col: ws[f"{col}{row}"].value for col in "CDEF"}
print(json.dumps({
    "same_names": names_a == names_b,
    "changed": changed,
    "cells": cells,
    "answer_fill": ws[f"C{row}"].fill.fgColor.rgb,
    "other_answers": [ws[f"C{row - 1}"].value, ws[f"C{row + 1}"].value],
    "validations": [str(dv.sqref) for dv in ws.data_validations.dataValidation],
    "defined_names": sorted(wb.defined_names.keys()),
    "comment": ws[f"B{row}"].comment.text if ws[f"B{row}"].comment else None,
    "sheets": wb.sheetnames,
    "sst": (lambda x: x[x.index("<sst"):x.index(">", x.index("<sst")) + 1] if x else None)(
        zipfile.ZipFile(filled).read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in zipfile.ZipFile(filled).namelist() else ""),
}))
"""#

    struct Built {
        var dir: URL
        var workbook: URL
        var sheetPath: String
        var sheet: String
        var row: Int
    }

    static func python(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [Validators.python] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let e = DrainedPipe(err)
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let ed = e.wait()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: ed, as: UTF8.self))
    }

    static func build(_ layout: String, strings: String = "inline") throws -> Built {
        let dir = try CLI.tempDir()
        let gen = dir.appendingPathComponent("gen.py"), check = dir.appendingPathComponent("check.py")
        try generator.write(to: gen, atomically: true, encoding: .utf8)
        try checker.write(to: check, atomically: true, encoding: .utf8)
        let workbook = dir.appendingPathComponent("\(layout).xlsx")
        let r = try python([gen.path, layout, workbook.path, strings])
        guard r.status == 0, let info = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any] else {
            throw CEKAuditError.invalidJSON(file: "gen.py", detail: r.err)
        }
        return Built(dir: dir, workbook: workbook, sheetPath: info["sheet_path"] as! String, sheet: info["sheet"] as! String,
                     row: info["first_row"] as! Int + 1)
    }

    static func check(_ b: Built, filled: URL) throws -> [String: Any] {
        let r = try python([b.dir.appendingPathComponent("check.py").path, b.workbook.path, filled.path, b.sheet, String(b.row)])
        guard r.status == 0, let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any] else {
            throw CEKAuditError.invalidJSON(file: "check.py", detail: r.err)
        }
        return json
    }

    /// The example report's CEK-08.1 entry.
    static func exampleAnswer() throws -> [String: Any] {
        let data = try Data(contentsOf: CLI.packageRoot.appendingPathComponent(example))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let caiq = try #require(report["caiq"] as? [[String: Any]])
        return try #require(caiq.first { $0["id"] as? String == "CEK-08.1" })
    }

    /// Everything but the patched parts is byte for byte the original; styles, validation, defined name and comment
    /// survive; the other questions' answers are untouched.
    static func expectPreserved(_ r: [String: Any], _ b: Built, changed: [String]) {
        #expect(r["same_names"] as? Bool == true)
        #expect(r["changed"] as? [String] == changed)
        #expect(r["answer_fill"] as? String == "FFFFF2CC")
        #expect((r["other_answers"] as? [Any])?.map { $0 as? String } == ["Yes", nil])   // JSON null → NSNull → nil
        #expect(r["validations"] as? [String] == ["C\(b.row - 1):C\(b.row + 49)"])
        #expect(r["defined_names"] as? [String] == ["AnswerRange"])
        #expect(r["comment"] as? String == "Paraphrased note on the question.")
        #expect(r["sheets"] as? [String] == ["Introduction", b.sheet])
    }

    @Test("A contradicted pre-filled Yes is kept (exit 1); --overwrite writes No, the ownership and the description",
          arguments: ["ai-caiq-1.1", "caiq-4.1", "caiq-4.0", "ai-caiq-fixed"])
    func fillsEachLayout(layout: String) throws {
        let b = try Self.build(layout)
        let expected = try Self.exampleAnswer()
        let filled = b.dir.appendingPathComponent("filled.xlsx")

        let kept = try CLI.run(["caiq", "fill", "--workbook", b.workbook.path, "--report", Self.example, "--output", filled.path])
        #expect(kept.status == 1, "\(kept.stderr)")
        #expect(kept.stderr.contains("CEK-08.1: contradiction: pre-filled answer 'Yes' contradicts the evidence (No)"), "\(kept.stderr)")
        #expect(kept.stdout.contains("1 contradiction(s) kept"), "\(kept.stdout)")
        var r = try Self.check(b, filled: filled)
        Self.expectPreserved(r, b, changed: [b.sheetPath])
        var cells = try #require(r["cells"] as? [String: Any])
        #expect(cells["C"] as? String == "Yes")
        #expect(cells["D"] as? String == expected["ownership"] as? String)
        #expect(cells["E"] as? String == expected["description"] as? String)
        // The report's customer responsibilities fill the empty responsibility column.
        #expect(cells["F"] as? String == expected["customer_responsibilities"] as? String)
        // The contradiction is in the fill record beside the output too, with the hashes of what was read and written.
        var record = try Self.record(b.dir.appendingPathComponent("filled.fill.json"))
        var question = try #require((record["questions"] as? [[String: Any]])?.first)
        #expect(question["id"] as? String == "CEK-08.1")
        #expect(question["prefilled_answer"] as? String == "Yes")
        #expect(question["evidence_answer"] as? String == "NO")
        #expect(question["contradiction"] as? Bool == true)
        #expect(question["answer_action"] as? String == "kept")
        #expect((question["cells_written"] as? [String])?.contains("C\(b.row)") == false)
        #expect((record["output"] as? [String: Any])?["sha256"] as? String == SHA256Hex.digest(try Data(contentsOf: filled)))
        #expect((record["workbook"] as? [String: Any])?["sha256"] as? String == SHA256Hex.digest(try Data(contentsOf: b.workbook)))
        #expect((record["counts"] as? [String: Any])?["contradictions_kept"] as? Int == 1)
        #expect((record["notes"] as? [[String: Any]])?.contains { $0["kind"] as? String == "contradiction" } == true)

        let overwritten = try CLI.run(["caiq", "fill", "--workbook", b.workbook.path, "--report", Self.example, "--output", filled.path, "--overwrite"])
        #expect(overwritten.status == 0, "\(overwritten.stderr)")
        #expect(overwritten.stdout.contains("0 contradiction(s) kept, 1 overwritten"), "\(overwritten.stdout)")
        r = try Self.check(b, filled: filled)
        Self.expectPreserved(r, b, changed: [b.sheetPath])
        cells = try #require(r["cells"] as? [String: Any])
        #expect(cells["C"] as? String == "No")
        #expect(cells["D"] as? String == expected["ownership"] as? String)
        #expect(cells["E"] as? String == expected["description"] as? String)
        record = try Self.record(b.dir.appendingPathComponent("filled.fill.json"))
        question = try #require((record["questions"] as? [[String: Any]])?.first)
        #expect(question["contradiction"] as? Bool == true)
        #expect(question["answer_action"] as? String == "overwritten")
        #expect((question["cells_written"] as? [String])?.first == "C\(b.row)")
    }

    static func record(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    @Test("A workbook whose cells use shared strings gets shared strings, counts updated")
    func sharedStrings() throws {
        let b = try Self.build("ai-caiq-1.1", strings: "shared")
        let expected = try Self.exampleAnswer()
        let filled = b.dir.appendingPathComponent("filled.xlsx")
        let result = try CLI.run(["caiq", "fill", "--workbook", b.workbook.path, "--report", Self.example, "--output", filled.path, "--overwrite"])
        #expect(result.status == 0, "\(result.stderr)")
        let r = try Self.check(b, filled: filled)
        Self.expectPreserved(r, b, changed: ["xl/sharedStrings.xml", b.sheetPath].sorted())
        let cells = try #require(r["cells"] as? [String: Any])
        #expect(cells["C"] as? String == "No")
        #expect(cells["D"] as? String == expected["ownership"] as? String)
        #expect(cells["E"] as? String == expected["description"] as? String)
        // 25 strings before, 4 new (No, the ownership, the description, the customer responsibilities); 28 references
        // before, 4 more, 1 released (Yes).
        #expect(r["sst"] as? String == #"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="31" uniqueCount="29">"#)
        let sheet = try Self.python(["-c", "import zipfile,sys; print(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())", filled.path, b.sheetPath])
        #expect(!sheet.out.contains("inlineStr"))
    }

    @Test("An unidentifiable workbook is refused (65) with what was looked for; a missing one is a usage error (64)")
    func refusesUnknownLayout() throws {
        let b = try Self.build("unknown")
        let filled = b.dir.appendingPathComponent("filled.xlsx")
        let r = try CLI.run(["caiq", "fill", "--workbook", b.workbook.path, "--report", Self.example, "--output", filled.path])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.contains("no CAIQ / AI-CAIQ questionnaire sheet found"), "\(r.stderr)")
        #expect(r.stderr.contains("'Question ID'") && r.stderr.contains("'Sheet1'"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: filled.path))

        let missing = try CLI.run(["caiq", "fill", "--workbook", b.dir.appendingPathComponent("absent.xlsx").path, "--report", Self.example,
                                   "--output", filled.path])
        #expect(missing.status == 64, "\(missing.stderr)")
        let notZip = b.dir.appendingPathComponent("report.xlsx")
        try Data("not a zip".utf8).write(to: notZip)
        let invalid = try CLI.run(["caiq", "fill", "--workbook", notZip.path, "--report", Self.example, "--output", filled.path])
        #expect(invalid.status == 65, "\(invalid.stderr)")
    }

    /// A minimal package: a workbook naming one sheet, `sheet` as that sheet's XML, and `workbook` instead of the
    /// workbook part when given.
    static func package(sheet: String, workbook: String? = nil) -> XLSXPackage {
        let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        func part(_ path: String, _ text: String) -> XLSXPackage.Part {
            XLSXPackage.Part(path: path, data: Data(text.utf8), deflated: true, modified: nil, isDirectory: false)
        }
        return XLSXPackage(parts: [
            part("_rels/.rels", #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="\#(rel)/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
            part("xl/workbook.xml", workbook ?? #"<workbook xmlns="\#(ns)" xmlns:r="\#(rel)"><sheets><sheet name="CAIQv4.1.0" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
            part("xl/_rels/workbook.xml.rels", #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="\#(rel)/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
            part("xl/worksheets/sheet1.xml", sheet),
        ])
    }

    @Test("Parts with a DTD or broken XML are refused with the part named; a cell's text is read by libxml2, entities resolved")
    func hostileParts() throws {
        let proposal = CAIQProposal(id: "CEK-08.1", answer: .no, ownership: "CSP-Owned", description: "Keys are customer-managed.")
        let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        func sheet(_ rows: String) -> String { #"<worksheet xmlns="\#(ns)"><sheetData>\#(rows)</sheetData></worksheet>"# }
        let header = #"<row r="1"><c r="A1" t="inlineStr"><is><t>Question ID</t></is></c><c r="C1" t="inlineStr"><is><t>CSP CAIQ Answer</t></is></c><c r="D1" t="inlineStr"><is><t>SSRM Control Ownership</t></is></c><c r="E1" t="inlineStr"><is><t>CSP Implementation Description</t></is></c></row>"#
        let question = #"<row r="2"><c r="A2" t="inlineStr"><is><t>CEK-08&#x2E;1</t></is></c><c r="C2" t="inlineStr"><is><r><t>Y</t></r><r><t>es</t></r><rPh><t>phonetic</t></rPh></is></c></row>"#

        // Entity references and rich-text runs are read as Excel shows them: the pre-filled Yes is seen and kept.
        let ok = try CAIQFill.fill(Self.package(sheet: sheet(header + question)), with: [proposal], overwrite: false, displayPath: "q.xlsx")
        #expect(ok.contradictions == 1)
        #expect(ok.results.first?.prefilledAnswer == "Yes")
        #expect(ok.results.first?.cellsWritten == ["D2", "E2"])

        // A billion-laughs DTD in the workbook part: refused before libxml2 sees it, naming the part.
        let laughs = #"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><workbook>&lol2;</workbook>"#
        #expect {
            try CAIQFill.fill(Self.package(sheet: sheet(header + question), workbook: laughs), with: [proposal], overwrite: false, displayPath: "q.xlsx")
        } throws: { error in
            "\(error)".contains("xl/workbook.xml") && "\(error)".contains("DTD")
        }
        // A questionnaire sheet that is not well-formed XML is not a questionnaire: the workbook is refused as unidentified.
        #expect {
            try CAIQFill.fill(Self.package(sheet: sheet(header + question).replacingOccurrences(of: "</sheetData>", with: "")),
                              with: [proposal], overwrite: false, displayPath: "q.xlsx")
        } throws: { error in
            "\(error)".contains("no CAIQ / AI-CAIQ questionnaire sheet found")
        }
    }

    @Test("UNDETERMINED leaves the answer blank; responsibilities and evidence ids of a newer report are written")
    func undeterminedAndResponsibilities() throws {
        let b = try Self.build("caiq-4.1")
        let report = b.dir.appendingPathComponent("report.json")
        let json = #"{"caiq": [{"id": "CEK-08.1", "answer": "UNDETERMINED", "ownership": "Shared CSP and CSC", "description": "Key custody could not be read.", "customer_responsibilities": "Customers rotate their imported keys.", "evidence": ["EV-0001", {"id": "EV-0002"}]}, {"id": "CEK-09.1", "answer": "YES", "ownership": "CSP-Owned", "description": "Trails log key events."}, {"id": "CEK-99.9", "answer": "NA", "ownership": "ND", "description": "Not in this workbook."}]}"#
        try Data(json.utf8).write(to: report)
        let filled = b.dir.appendingPathComponent("filled.xlsx")
        let kept = try CLI.run(["caiq", "fill", "--workbook", b.workbook.path, "--report", report.path, "--output", filled.path])
        #expect(kept.status == 1, "\(kept.stderr)")
        #expect(kept.stderr.contains("CEK-08.1: answer left blank: the evidence does not decide"), "\(kept.stderr)")
        #expect(kept.stderr.contains("contradicts the evidence (no answer (UNDETERMINED))"), "\(kept.stderr)")
        #expect(kept.stderr.contains("CEK-99.9: warning: no row with this question id"), "\(kept.stderr)")
        var r = try Self.check(b, filled: filled)
        var cells = try #require(r["cells"] as? [String: Any])
        #expect(cells["C"] as? String == "Yes")
        #expect(cells["D"] as? String == "Shared CSP and CSC")
        #expect(cells["E"] as? String == "Key custody could not be read. Evidence: EV-0001, EV-0002.")
        #expect(cells["F"] as? String == "Customers rotate their imported keys.")
        #expect(r["other_answers"] as? [String?] == ["Yes", "Yes"])   // CEK-09.1 answered from the report

        let overwritten = try CLI.run(["caiq", "fill", "--workbook", b.workbook.path, "--report", report.path, "--output", filled.path, "--overwrite"])
        #expect(overwritten.status == 0, "\(overwritten.stderr)")
        r = try Self.check(b, filled: filled)
        cells = try #require(r["cells"] as? [String: Any])
        #expect(cells["C"] is NSNull)
        #expect(r["answer_fill"] as? String == "FFFFF2CC")
    }
}
