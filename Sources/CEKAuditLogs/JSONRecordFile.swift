import Foundation

/// The two layouts log exports use for JSON records, split without decoding them: a JSON array of objects
/// (`gcloud logging read --format=json`, a Log Analytics export) or JSON lines (a Cloud Storage sink, a storage
/// account's `PT1H.json` blobs, BigQuery rows), including one pretty-printed object alone. Shared by the Cloud Audit
/// Logs and Azure AuditEvent collectors; each decodes the records itself.
enum JSONRecordFile {
    /// Walks a JSON array starting at `start` (its `[`): every element's bytes are found by the grammar
    /// (``JSONByteCursor/composite()``). A structural error stops the walk there — the records before it are kept —
    /// and is reported once through `fail` with a message and the byte offset.
    /// - Parameters:
    ///   - needle: when given, elements that do not contain it are counted but not handed to `record` (a cheap
    ///     filter for other services' records).
    ///   - counted: called for every element, decoded or not.
    ///   - record: the element's byte range and its 1-based ordinal.
    ///   - fail: the message (naming the last good ordinal) and the offset of the error.
    static func readArray(_ b: UnsafeRawBufferPointer, cursor start: JSONByteCursor, needle: [UInt8]?, counted: () -> Void,
                          record: (Range<Int>, Int) -> Void, fail: (String, Int) -> Void) {
        var c = start
        c.i += 1
        var ordinal = 0
        func stop(_ message: String, at offset: Int) {
            fail("not valid JSON after entry \(ordinal): \(message); the entries after this place were not read", offset)
        }
        c.ws()
        if c.current == 0x5D { return }
        while true {
            c.ws()
            guard c.current == 0x7B else { return stop(c.current == nil ? "unexpected end of file" : "expected a log entry object", at: c.i) }
            let begin = c.i
            do { try c.composite() } catch let e as JSONByteCursor.Failure { return stop(e.message, at: e.offset) } catch { return stop("\(error)", at: begin) }
            ordinal += 1
            counted()
            if needle.map({ RecordSplitter.contains(b, begin..<c.i, $0) }) ?? true { record(begin..<c.i, ordinal) }
            c.ws()
            switch c.current {
            case 0x2C: c.i += 1
            case 0x5D:
                c.i += 1
                c.ws()
                if c.current != nil { fail("unexpected data after the array", c.i) }
                return
            case nil: return stop("unexpected end of file inside the array", at: c.i)
            default: return stop("expected ',' or ']' between entries", at: c.i)
            }
        }
    }

    /// Walks JSON lines from `start`: each non-blank line is one record, handed to `record` with its ordinal and
    /// 1-based line; a file whose first non-blank line is `{` alone is one pretty-printed record (line 1).
    /// - Parameter needle: when given, lines that end like a complete object and do not contain it are counted but
    ///   not handed to `record` (damaged lines are always handed over, so their errors are reported).
    static func readLines(_ b: UnsafeRawBufferPointer, from start: Int, needle: [UInt8]?, counted: () -> Void,
                          record: (_ range: Range<Int>, _ ordinal: Int, _ line: Int) -> Void) {
        var lines: [Range<Int>] = []
        var i = start
        while i < b.count {
            var j = i
            while j < b.count, b[j] != 0x0A { j += 1 }
            lines.append(i..<j)
            i = j + 1
        }
        func trimmed(_ r: Range<Int>) -> Range<Int> {
            var lo = r.lowerBound, hi = r.upperBound
            while lo < hi, [0x20, 0x09, 0x0D].contains(b[lo]) { lo += 1 }
            while hi > lo, [0x20, 0x09, 0x0D].contains(b[hi - 1]) { hi -= 1 }
            return lo..<hi
        }
        if let firstLine = lines.map(trimmed).first(where: { !$0.isEmpty }), firstLine.count == 1 {
            counted()
            record(start..<b.count, 1, 1)
            return
        }
        var ordinal = 0
        for (n, raw) in lines.enumerated() {
            let r = trimmed(raw)
            guard !r.isEmpty else { continue }
            ordinal += 1
            counted()
            if let needle, b[r.upperBound - 1] == 0x7D, !RecordSplitter.contains(b, r, needle) { continue }
            record(r, ordinal, n + 1)
        }
    }
}
