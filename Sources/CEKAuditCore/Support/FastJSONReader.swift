import Foundation

/// RFC 8259 JSON text straight into ``JSONValue``: no Foundation object tree. Strict: anything outside the grammar
/// (and anything this reader does not decide the way `JSONSerialization` would: a byte-order mark, invalid UTF-8, a
/// lone surrogate escape, a number out of range, deep nesting) is refused with `nil`, and the caller reads the text
/// with `JSONSerialization` instead, so accepted texts and error messages are as before.
struct FastJSONReader {
    /// Nesting limit: deeper texts are left to `JSONSerialization` (and its own limit).
    static let maxDepth = 500

    private let b: UnsafeRawBufferPointer
    private var i = 0
    private var depth = 0
    /// Whether an object named a member twice (the last one is kept, as `JSONSerialization` keeps it).
    private(set) var repeatsKey = false

    private init(_ b: UnsafeRawBufferPointer) { self.b = b }

    /// The value of `data`, or `nil` when this reader does not decide it.
    static func read(_ data: Data) -> JSONValue? {
        read(data, repeatsKey: nil)
    }

    /// ``read(_:)``, also saying whether an object of the text repeats a member name.
    static func read(_ data: Data, repeatsKey: UnsafeMutablePointer<Bool>?) -> JSONValue? {
        data.withUnsafeBytes { raw -> JSONValue? in
            guard raw.count > 0 else { return nil }
            var r = FastJSONReader(raw)
            r.skipSpace()
            guard let v = r.value() else { return nil }
            r.skipSpace()
            repeatsKey?.pointee = r.repeatsKey
            return r.i == raw.count ? v : nil
        }
    }

    private mutating func skipSpace() {
        while i < b.count {
            switch b[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    private mutating func value() -> JSONValue? {
        guard i < b.count else { return nil }
        switch b[i] {
        case UInt8(ascii: "{"): return object()
        case UInt8(ascii: "["): return array()
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        default: return number()
        }
    }

    private mutating func literal(_ word: StaticString, _ v: JSONValue) -> JSONValue? {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { return nil }
        let p = word.utf8Start
        for k in 0..<n where b[i + k] != p[k] { return nil }
        i += n
        return v
    }

    private mutating func object() -> JSONValue? {
        depth += 1
        guard depth <= Self.maxDepth else { return nil }
        defer { depth -= 1 }
        i += 1
        var members: [String: JSONValue] = [:]
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: "\""), let key = string() else { return nil }
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            skipSpace()
            guard let v = value() else { return nil }
            if members.updateValue(v, forKey: key) != nil { repeatsKey = true }
            skipSpace()
            guard i < b.count else { return nil }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            return nil
        }
    }

    private mutating func array() -> JSONValue? {
        depth += 1
        guard depth <= Self.maxDepth else { return nil }
        defer { depth -= 1 }
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipSpace()
            guard let v = value() else { return nil }
            items.append(v)
            skipSpace()
            guard i < b.count else { return nil }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            return nil
        }
    }

    /// A string at `i` (on its opening quote).
    private mutating func string() -> String? {
        i += 1
        let start = i
        // Fast path: no escape before the closing quote.
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                let s = String(validating: UnsafeRawBufferPointer(rebasing: b[start..<i]).bindMemory(to: UInt8.self), as: UTF8.self)
                i += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { return nil }
            i += 1
        }
        guard i < b.count else { return nil }
        var out: [UInt8] = Array(UnsafeRawBufferPointer(rebasing: b[start..<i]))
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return String(validating: out, as: UTF8.self)
            }
            if c < 0x20 { return nil }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < b.count else { return nil }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4() else { return nil }
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else { return nil }
                    i += 2
                    guard let low = hex4(), low >= 0xDC00 && low < 0xE000 else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    return nil
                }
                guard let u = Unicode.Scalar(scalar) else { return nil }
                out.append(contentsOf: String(Character(u)).utf8)
            default: return nil
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard i + 4 <= b.count else { return nil }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: return nil
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    /// A number (RFC 8259 §6 grammar): an integer of up to 18 digits exactly, anything else through `Double`'s
    /// correctly rounded parse; `nil` outside the grammar or the finite doubles.
    private mutating func number() -> JSONValue? {
        let start = i
        var negative = false
        if i < b.count, b[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        guard i < b.count else { return nil }
        let intStart = i
        if b[i] == UInt8(ascii: "0") {
            i += 1
        } else if b[i] >= UInt8(ascii: "1") && b[i] <= UInt8(ascii: "9") {
            while i < b.count, b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "9") { i += 1 }
        } else {
            return nil
        }
        let intDigits = i - intStart
        var integral = true
        if i < b.count, b[i] == UInt8(ascii: ".") {
            integral = false
            i += 1
            let f = i
            while i < b.count, b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "9") { i += 1 }
            guard i > f else { return nil }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            integral = false
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            let e = i
            while i < b.count, b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "9") { i += 1 }
            guard i > e else { return nil }
        }
        if integral && intDigits <= 18 {
            var v: Int64 = 0
            for k in intStart..<i { v = v * 10 + Int64(b[k] - UInt8(ascii: "0")) }
            return .number(Double(negative ? -v : v))
        }
        // A fraction or exponent: JSONSerialization's own reading of the number alone (its digits beyond about 11
        // significant ones do not always round as `Double(String)` does, and values must not change).
        guard let n = try? JSONSerialization.jsonObject(with: Data(UnsafeRawBufferPointer(rebasing: b[start..<i])), options: [.fragmentsAllowed]),
              case .number(let d) = JSONValue(foundation: n) else { return nil }
        return .number(d)
    }
}
