import Foundation

/// Line and column of a place in an input file, for `file:line:column` in errors. Lines and columns are 1-based;
/// a column counts Unicode scalars from the start of the line, as editors and Yams do.
public struct TextPosition: Sendable, Hashable {
    /// 1-based line.
    public var line: Int
    /// 1-based column, in Unicode scalars from the start of the line.
    public var column: Int

    /// A position given by its line and column (both 1-based).
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The position of the byte at `offset` (0-based) in UTF-8 `bytes`; an offset past the end is placed at the last
    /// byte, where a parser that ran out of input stopped reading.
    public init<Bytes: Collection>(byteOffset offset: Int, in bytes: Bytes) where Bytes.Element == UInt8 {
        let target = max(0, min(offset, bytes.count - 1))
        var line = 1, column = 1
        for (i, byte) in bytes.enumerated() {
            if i >= target { break }
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {   // a continuation byte does not start a new scalar
                column += 1
            }
        }
        self.init(line: line, column: column)
    }

    /// The position of the `offset`-th character (0-based, as Yams reports reader errors) of `text`.
    public init(characterOffset offset: Int, in text: String) {
        let index = text.index(text.startIndex, offsetBy: max(0, offset), limitedBy: text.endIndex) ?? text.endIndex
        self.init(byteOffset: text.utf8.distance(from: text.startIndex, to: index), in: text.utf8)
    }

    /// The first byte of `data` that does not belong to a well-formed UTF-8 sequence (Unicode 15, table 3-7: no
    /// overlong forms, no surrogates, nothing above U+10FFFF), with its offset; `nil` when `data` is UTF-8.
    public static func firstInvalidUTF8<Bytes: Collection>(in data: Bytes) -> (offset: Int, position: TextPosition)?
    where Bytes.Element == UInt8, Bytes.Index == Int {
        // Contiguous bytes (Data, arrays): validated through a pointer, ASCII runs eight bytes at a time.
        if let found = data.withContiguousStorageIfAvailable({ firstInvalidOffset(in: $0) }) {
            guard let offset = found else { return nil }
            return (offset, TextPosition(byteOffset: offset, in: data))
        }
        var i = data.startIndex
        while i < data.endIndex {
            let b = data[i]
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF   // allowed range of the second byte
            switch b {
            case 0x00...0x7F: i += 1; continue
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return invalid(at: i, data)
            }
            for k in 1..<length {
                let j = i + k
                guard j < data.endIndex else { return invalid(at: i, data) }
                let c = data[j]
                let ok = k == 1 ? (low...high).contains(c) : (0x80...0xBF).contains(c)
                guard ok else { return invalid(at: i, data) }
            }
            i += length
        }
        return nil
    }

    /// The offset of the first byte of `b` that does not start a well-formed UTF-8 sequence (the same rules as
    /// ``firstInvalidUTF8(in:)``), or `nil`.
    static func firstInvalidOffset(in b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = b.baseAddress else { return nil }
        let n = b.count
        var i = 0
        while i < n {
            while i + 8 <= n, UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
            guard i < n else { return nil }
            let c = base[i]
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch c {
            case 0x00...0x7F: i += 1; continue
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return i
            }
            for k in 1..<length {
                guard i + k < n else { return i }
                let next = base[i + k]
                guard k == 1 ? (low...high).contains(next) : (0x80...0xBF).contains(next) else { return i }
            }
            i += length
        }
        return nil
    }

    private static func invalid<Bytes: Collection>(at i: Int, _ data: Bytes) -> (offset: Int, position: TextPosition)
    where Bytes.Element == UInt8, Bytes.Index == Int {
        let offset = i - data.startIndex
        return (offset, TextPosition(byteOffset: offset, in: data))
    }
}

extension TextPosition {
    /// The text of an input file that must be UTF-8.
    /// - Throws: ``CEKAuditError/invalidInput(file:line:column:message:fix:)`` at the line and column of the first byte
    ///   that is not UTF-8, naming the byte.
    public static func utf8Text(_ data: Data, file: String) throws -> String {
        if let (offset, place) = firstInvalidUTF8(in: data) {
            let byte = data[data.startIndex + offset]
            throw CEKAuditError.invalidInput(file: file, line: place.line, column: place.column,
                                             message: "the file is not UTF-8 text: byte 0x\(String(byte, radix: 16, uppercase: true)) (offset \(offset)) is not part of a UTF-8 character",
                                             fix: "save it as UTF-8 (for example `iconv -f WINDOWS-1252 -t UTF-8`)")
        }
        return String(data: data, encoding: .utf8) ?? String(decoding: data, as: UTF8.self)
    }
}
