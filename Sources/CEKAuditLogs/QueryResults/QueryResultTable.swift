import CEKAuditCore
import Foundation

/// A SQL engine's query result read as rows of named, nullable text values: CSV as Amazon Athena writes query
/// results (RFC 4180: a header row, fields in double quotes with `""` for a quote, CRLF or LF line ends; Athena writes
/// NULL as an empty unquoted field and an empty string as `""`), or JSON lines (one object per line, column names as
/// keys; strings, numbers, and null, as Athena `UNLOAD … WITH (format = 'JSON')` or a BigQuery
/// newline-delimited JSON export writes them — BigQuery writes INT64 as strings, so numbers are kept as text).
struct QueryResultTable {
    /// One row: its 1-based line in the file (where the record starts) and its values by column.
    struct Row {
        var line: Int
        var values: [String: String?]
    }

    /// A problem with the file, at a 1-based line.
    struct Failure: Error, Equatable {
        var line: Int
        var message: String
        var fix: String
    }

    var columns: [String]
    var rows: [Row]

    /// Parses CSV; the first record is the header, which must be `expected` when given.
    /// - Throws: ``Failure`` for a quote that is not closed, text after a closing quote, a quote inside an unquoted
    ///   field, a file without a header, a header that is not `expected`, or a row with another number of fields
    ///   than the header.
    static func csv(_ data: Data, expected: [String]? = nil) throws -> QueryResultTable {
        let b = [UInt8](data)
        var i = 0
        var line = 1
        var records: [(line: Int, fields: [String?])] = []
        if b.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        while i < b.count {
            let start = line
            var fields: [String?] = []
            var endOfRecord = false
            while !endOfRecord {
                if i < b.count, b[i] == 0x22 {
                    i += 1
                    var bytes: [UInt8] = []
                    while true {
                        guard i < b.count else {
                            throw Failure(line: start, message: "a quoted field opened on this line is never closed",
                                          fix: "the file is truncated; download the query result again")
                        }
                        if b[i] == 0x22 {
                            if i + 1 < b.count, b[i + 1] == 0x22 { bytes.append(0x22); i += 2; continue }
                            i += 1
                            break
                        }
                        if b[i] == 0x0A { line += 1 }
                        bytes.append(b[i])
                        i += 1
                    }
                    fields.append(String(decoding: bytes, as: UTF8.self))
                    if i < b.count, b[i] != 0x2C, b[i] != 0x0A, b[i] != 0x0D {
                        throw Failure(line: line, message: "text after the closing quote of a field",
                                      fix: "quote marks inside a field are doubled in CSV (RFC 4180); the file was not written by the SQL engine as is")
                    }
                } else {
                    var j = i
                    while j < b.count, b[j] != 0x2C, b[j] != 0x0A, b[j] != 0x0D {
                        if b[j] == 0x22 {
                            throw Failure(line: line, message: "a quote mark inside an unquoted field",
                                          fix: "quote marks inside a field are doubled in CSV (RFC 4180); the file was not written by the SQL engine as is")
                        }
                        j += 1
                    }
                    // An empty unquoted field is NULL (Athena); any other unquoted text is taken as it is.
                    fields.append(j == i ? nil : String(decoding: b[i..<j], as: UTF8.self))
                    i = j
                }
                if i >= b.count { endOfRecord = true }
                else if b[i] == 0x2C { i += 1; if i >= b.count { fields.append(nil); endOfRecord = true } }
                else {
                    if b[i] == 0x0D { i += 1 }
                    if i < b.count, b[i] == 0x0A { i += 1 }
                    line += 1
                    endOfRecord = true
                }
            }
            records.append((start, fields))
        }
        guard let header = records.first else {
            throw Failure(line: 1, message: "the file is empty: no header row", fix: "download the query result again; even an empty result has a header row")
        }
        let columns = header.fields.map { $0 ?? "" }
        if let expected, columns != expected { throw headerFailure(columns, expected: expected) }
        var rows: [Row] = []
        for r in records.dropFirst() {
            // A blank last line is no record.
            if r.fields.count == 1, r.fields[0] == nil { continue }
            guard r.fields.count == columns.count else {
                throw Failure(line: r.line, message: "\(r.fields.count) field(s) where the header has \(columns.count)",
                              fix: "the file is damaged or was edited; download the query result again")
            }
            var values: [String: String?] = [:]
            for (c, v) in zip(columns, r.fields) { values[c] = v }
            rows.append(Row(line: r.line, values: values))
        }
        return QueryResultTable(columns: columns, rows: rows)
    }

    /// The refusal of a header that is not the query's: the columns missing and unexpected, or the order.
    static func headerFailure(_ columns: [String], expected: [String]) -> Failure {
        let missing = expected.filter { !columns.contains($0) }
        let extra = columns.filter { !expected.contains($0) }
        let what = missing.isEmpty && extra.isEmpty ? "the columns are in another order than the query's"
            : "columns missing: \(missing.isEmpty ? "none" : missing.joined(separator: ", ")); unexpected: \(extra.isEmpty ? "none" : extra.joined(separator: ", "))"
        return Failure(line: 1, message: "the header is not the shipped query's: \(what)",
                       fix: "give the result of the shipped query, unedited (Athena: the .csv in the query result location)")
    }

    /// Parses JSON lines. Columns are the union of the keys, in first-seen order; a key missing from a row is NULL.
    /// - Throws: ``Failure`` for a line that is not a JSON object or holds an object or array value.
    static func jsonLines(_ data: Data) throws -> QueryResultTable {
        var columns: [String] = []
        var seen: Set<String> = []
        var rows: [Row] = []
        var line = 0
        for raw in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            line += 1
            let text = raw.last == 0x0D ? raw.dropLast() : raw
            if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(text), options: [])) as? [String: Any] else {
                throw Failure(line: line, message: "not a JSON object", fix: "each line of a JSON lines result is one row object; download the result again")
            }
            var values: [String: String?] = [:]
            for (k, v) in object {
                if !seen.contains(k) { seen.insert(k); columns.append(k) }
                switch v {
                case is NSNull: values[k] = .some(nil)
                case let s as String: values[k] = s
                case let n as NSNumber: values[k] = n.stringValue
                default:
                    throw Failure(line: line, message: "column \(k) holds an object or array, not a scalar",
                                  fix: "run the shipped query unchanged: its set-valued columns are JSON text")
                }
            }
            rows.append(Row(line: line, values: values))
        }
        return QueryResultTable(columns: columns, rows: rows)
    }
}
