import CEKAuditCollectorKit
import CEKAuditCore
import CEKScan
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Decodes the lines of an OpenBao / Vault file audit log for one decoding thread at a time, making what repeats from
/// line to line only once: the event shape of a repeated (operation, path, mount, namespace), principals and error
/// texts, the normalised time of the line before, the text before the JSON.
///
/// Each line goes through the C fast path first (`cek_audit_line_scan`: the whole line checked against RFC 8259 and
/// the members the tally reads located, no copy); a line it does not decide (escapes, non-ASCII text, a repeated
/// member, a transit setting in `request.data`, or damage) goes to ``AuditLineReader`` in lean mode, which gives the
/// outcome and the error. The two give the same outcome for every line the fast path decides (the tests hold them to
/// each other). A record whose mount type is not `transit` gives no event, so nothing of it becomes a string.
///
/// The caches are bounded (``maxEntries`` each, entries of at most ``maxEntryBytes``): past that, values are made anew
/// every time. Not shared between
/// threads: the collector keeps one per share slot of a run.
final class AuditLineDecoder {
    /// Most entries each cache holds.
    static let maxEntries = 4096
    /// Largest entry, in bytes of its key, that a cache keeps: lines may be 16 MiB, and a log of huge distinct paths
    /// would otherwise keep copies of them whatever the entry count (real paths, names and principals are far shorter).
    static let maxEntryBytes = 512

    /// The configured prefix (the device's `prefix` option), stripped when a line starts with it.
    let prefix: [UInt8]?
    /// Bytes as a dictionary key, hashed as one block (an `[UInt8]` key is hashed byte by byte).
    private struct ByteKey: Hashable {
        var bytes: [UInt8]
        func hash(into h: inout Hasher) { bytes.withUnsafeBytes { h.combine(bytes: $0) } }
        static func == (a: ByteKey, b: ByteKey) -> Bool {
            guard a.bytes.count == b.bytes.count else { return false }
            if a.bytes.isEmpty { return true }
            return a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
        }
    }

    private var shapes: [ByteKey: AuditLogTally.Shape?] = [:]
    private var texts: [ByteKey: String] = [:]
    private var scratch: [UInt8] = []
    private var lastTimeRaw: [UInt8] = []
    private var lastTime = ""
    private var lastPrefixRaw: [UInt8] = []
    private var lastPrefix = ""
    /// The last key operation the fast path decoded in the share being decoded: its line's bytes (valid until
    /// ``decodeShare(_:)`` returns, `nil` outside it), its members and what its shape and request id gave. A response
    /// mostly follows its request: same shape, same id, so neither is looked up or made again.
    private struct Previous {
        var body: UnsafeRawPointer
        var fields: cek_audit_fields
        var shape: AuditLogTally.Shape
        var id: String
    }
    private var inShare = false
    private var previous: Previous?
    /// A shape cache in front of `shapes`, direct-mapped (1,024 slots unless told) by a cheap hash of the four members'
    /// lengths and bytes; a slot keeps the members' lengths and bytes, compared in full before it
    /// is used, so a collision only costs a lookup in `shapes`.
    private struct ShapeSlot {
        var lengths: (Int32, Int32, Int32, Int32) = (-2, -2, -2, -2)
        var bytes: [UInt8] = []
        var shape: AuditLogTally.Shape?
    }
    private var slots: [ShapeSlot]
    /// Shape lookups that missed the slots (tests read it: shapes that differ only in a key's name spread over them).
    private(set) var slotMisses = 0

    /// - Parameters:
    ///   - prefix: the device's `prefix` text, stripped when a line starts with it.
    ///   - shapeSlots: slots of the direct-mapped shape cache (tests use one, so that every other shape collides).
    init(prefix: [UInt8]?, shapeSlots: Int = 1024) {
        self.prefix = prefix.flatMap { $0.isEmpty ? nil : $0 }
        slots = [ShapeSlot](repeating: ShapeSlot(), count: Swift.max(1, shapeSlots))
        scratch.reserveCapacity(256)
    }

    /// The outcomes of the lines in `bytes` (lines ended by `\n`, the last perhaps not; a `\r` before the `\n` is
    /// dropped). Lines of spaces and tabs only are counted but give no outcome.
    func decodeShare(_ bytes: UnsafeRawBufferPointer) -> OpenBaoAuditLogCollector.Share {
        var share = OpenBaoAuditLogCollector.Share()
        guard let base = bytes.baseAddress else { return share }
        inShare = true
        previous = nil
        defer {
            inShare = false
            previous = nil
        }
        let end = bytes.count
        var k = 0
        var index = 0
        // The prefixes of the non-blank line before (none before the share's first line).
        var before: (configured: Bool, other: String?)?
        while k < end {
            let e = memchr(base + k, 0x0A, end - k).map { base.distance(to: UnsafeRawPointer($0)) } ?? end
            var lineEnd = e
            if lineEnd > k, base.load(fromByteOffset: lineEnd - 1, as: UInt8.self) == 0x0D { lineEnd -= 1 }
            let line = UnsafeRawBufferPointer(start: base + k, count: lineEnd - k)
            if line.contains(where: { !($0 == 0x20 || $0 == 0x09) }) {
                let o = decodeLine(line, line: index)
                let noPrefix = !o.configuredPrefix && o.otherPrefix == nil
                if let p = o.parsed, p.event == nil,
                   noPrefix || before.map({ $0.configured == o.configuredPrefix && $0.other == o.otherPrefix }) == true {
                    if p.isResponse { share.plainResponses += 1 } else { share.plainRequests += 1 }
                } else {
                    share.outcomes.append(o)
                }
                before = (o.configuredPrefix, o.otherPrefix)
            }
            index += 1
            k = e + 1
        }
        share.lines = index
        return share
    }

    /// Decodes one line: a configured prefix is stripped, else text before the first `{` is taken as the prefix.
    func decodeLine(_ bytes: UnsafeRawBufferPointer, line: Int) -> OpenBaoAuditLogCollector.LineOutcome {
        var outcome = OpenBaoAuditLogCollector.LineOutcome(line: line)
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return outcome }
        let n = bytes.count
        var start = 0
        if let prefix, n >= prefix.count, prefix.withUnsafeBytes({ memcmp($0.baseAddress!, base, prefix.count) == 0 }) {
            start = prefix.count
            outcome.configuredPrefix = true
        }
        guard start < n, let found = memchr(base + start, 0x7B, n - start) else { return outcome }
        let brace = base.distance(to: UnsafeRawPointer(found))
        if brace > start { outcome.otherPrefix = prefixText(base + start, brace - start) }
        let body = UnsafeRawBufferPointer(start: base + brace, count: n - brace)
        var fields = cek_audit_fields()
        if cek_audit_line_scan(body.baseAddress!.assumingMemoryBound(to: UInt8.self), body.count, &fields) == 1 {
            outcome.parsed = parsed(fields, body)
            return outcome
        }
        guard let record = try? AuditLineReader.read(body, lean: true), record.type == "request" || record.type == "response" else {
            return outcome
        }
        outcome.parsed = AuditLogTally.Parsed(record)
        return outcome
    }

    /// What a record located by the fast path brings to the tally, as ``AuditLogTally/Parsed/init(_:)`` makes it from
    /// the decoded record; `nil` when its type is neither `request` nor `response` (a parse error).
    func parsed(_ f: cek_audit_fields, _ b: UnsafeRawBufferPointer) -> AuditLogTally.Parsed? {
        let isResponse: Bool
        if Self.equals(f.type, b, "request") { isResponse = false } else if Self.equals(f.type, b, "response") { isResponse = true } else { return nil }
        let none = AuditLogTally.Parsed(isResponse: isResponse, id: "", event: nil)
        guard f.path.start >= 0, f.operation.start >= 0 else { return none }
        if f.mount_type.start >= 0, !Self.equals(f.mount_type, b, "transit") { return none }
        let body = b.baseAddress!
        let last = previous.flatMap { p in
            Self.same(f.operation, body, p.fields.operation, p.body) && Self.same(f.path, body, p.fields.path, p.body)
                && Self.same(f.mount_point, body, p.fields.mount_point, p.body) && Self.same(f.namespace_path, body, p.fields.namespace_path, p.body) ? p : nil
        }
        guard let shape = last?.shape ?? slotShape(f, b) else { return none }
        // Principal: the first non-empty of display name, entity id, token accessor, request token accessor.
        let candidate = f.display_name.length > 0 ? f.display_name : f.entity_id.length > 0 ? f.entity_id
            : f.accessor.length > 0 ? f.accessor : f.client_token_accessor
        let principal = candidate.start >= 0 && candidate.length > 0 ? text(candidate, b) : nil
        var error: String?
        if f.error.start >= 0, f.error.length > 0 { error = text(f.error, b) }
        else if f.response_error.start >= 0, f.response_error.length > 0 { error = text(f.response_error, b) }
        let event = AuditLogTally.Event(time: f.time.start >= 0 ? time(f.time, b) : nil, operation: shape.operation, key: shape.key,
                                        namespace: shape.namespace, principal: principal, denied: f.allowed == 0, error: error,
                                        settings: [:])   // the fast path leaves lines with settings to the exact reader
        let id: String
        if f.request_id.start < 0 { id = "" }
        else if let p = previous, Self.same(f.request_id, body, p.fields.request_id, p.body) { id = p.id }
        else { id = Self.string(f.request_id, b) }
        if inShare { previous = Previous(body: body, fields: f, shape: shape, id: id) }
        return AuditLogTally.Parsed(isResponse: isResponse, id: id, event: event)
    }

    /// Whether span `a` of the line at `x` and span `b` of the line at `y` are both absent, or hold the same bytes.
    @inline(__always) private static func same(_ a: cek_span, _ x: UnsafeRawPointer, _ b: cek_span, _ y: UnsafeRawPointer) -> Bool {
        if a.start < 0 || b.start < 0 { return a.start < 0 && b.start < 0 }
        return a.length == b.length && memcmp(x + Int(a.start), y + Int(b.start), Int(a.length)) == 0
    }

    /// The shape of the request through the direct-mapped slots (then `shapes`, then made).
    private func slotShape(_ f: cek_audit_fields, _ b: UnsafeRawBufferPointer) -> AuditLogTally.Shape? {
        let base = b.baseAddress!
        let spans = (f.operation, f.path, f.mount_point, f.namespace_path)
        let lengths = (spans.0.start >= 0 ? spans.0.length : -1, spans.1.start >= 0 ? spans.1.length : -1,
                       spans.2.start >= 0 ? spans.2.length : -1, spans.3.start >= 0 ? spans.3.length : -1)
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        @inline(__always) func mix(_ s: cek_span) {
            guard s.start >= 0 else {
                h = (h ^ 0xFFFF) &* 0xFF51_AFD7_ED55_8CCD
                return
            }
            let n = Int(s.length), p = base + Int(s.start)
            h = (h ^ UInt64(n)) &* 0xFF51_AFD7_ED55_8CCD
            var k = 0
            while k + 8 <= n {
                h = (h ^ p.loadUnaligned(fromByteOffset: k, as: UInt64.self)) &* 0xC4CE_B9FE_1A85_EC53
                h ^= h >> 29
                k += 8
            }
            if k < n {
                var last: UInt64 = 0
                withUnsafeMutableBytes(of: &last) { $0.copyMemory(from: UnsafeRawBufferPointer(start: p + k, count: n - k)) }
                h = (h ^ last) &* 0xC4CE_B9FE_1A85_EC53
                h ^= h >> 29
            }
        }
        mix(spans.0)
        mix(spans.1)
        mix(spans.2)
        mix(spans.3)
        // Every byte of the four members, 8 at a time; the high bits folded down after each product (the low bits of a
        // product only see the low bits of its factors), and once more at the end (murmur3's finaliser).
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        let index = Int(truncatingIfNeeded: h % UInt64(slots.count))
        let hit: Bool = slots.withUnsafeBufferPointer { all in
            guard all[index].lengths == lengths else { return false }
            return all[index].bytes.withUnsafeBytes { stored in
                var offset = 0
                @inline(__always) func same(_ s: cek_span) -> Bool {
                    guard s.start >= 0, s.length > 0 else { return true }
                    let n = Int(s.length)
                    defer { offset += n }
                    return memcmp(stored.baseAddress! + offset, base + Int(s.start), n) == 0
                }
                return same(spans.0) && same(spans.1) && same(spans.2) && same(spans.3)
            }
        }
        if hit { return slots[index].shape }
        slotMisses += 1
        let made = shape(f, b)
        var bytes: [UInt8] = []
        for s in [spans.0, spans.1, spans.2, spans.3] where s.start >= 0 {
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: base + Int(s.start), count: Int(s.length)))
        }
        if bytes.count <= Self.maxEntryBytes { slots[index] = ShapeSlot(lengths: lengths, bytes: bytes, shape: made) }
        return made
    }

    /// The shape of the request, made once per distinct (operation, path, mount point, namespace path).
    private func shape(_ f: cek_audit_fields, _ b: UnsafeRawBufferPointer) -> AuditLogTally.Shape? {
        scratch.removeAll(keepingCapacity: true)
        func add(_ s: cek_span) {
            // Length first (-1 for absent), so that the concatenation names one tuple.
            withUnsafeBytes(of: s.start >= 0 ? s.length : -1) { scratch.append(contentsOf: $0) }
            if s.start >= 0 { scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[Int(s.start)..<Int(s.start + s.length)])) }
        }
        add(f.operation)
        add(f.path)
        add(f.mount_point)
        add(f.namespace_path)
        if let known = shapes[ByteKey(bytes: scratch)] { return known }
        let made = AuditLogTally.shape(operation: Self.string(f.operation, b), path: Self.string(f.path, b),
                                       mountPoint: f.mount_point.start >= 0 ? Self.string(f.mount_point, b) : nil,
                                       mountType: nil,   // `transit` or absent: checked by the caller
                                       namespacePath: f.namespace_path.start >= 0 ? Self.string(f.namespace_path, b) : nil)
        if shapes.count < Self.maxEntries, scratch.count <= Self.maxEntryBytes { shapes[ByteKey(bytes: scratch)] = .some(made) }
        return made
    }

    /// A repeated text (principal, error), made once.
    private func text(_ s: cek_span, _ b: UnsafeRawBufferPointer) -> String {
        let bytes = UnsafeRawBufferPointer(rebasing: b[Int(s.start)..<Int(s.start + s.length)])
        if bytes.count <= 15 { return String(decoding: bytes, as: UTF8.self) }   // a small string: no allocation
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: bytes)
        if let known = texts[ByteKey(bytes: scratch)] { return known }
        let made = String(decoding: bytes, as: UTF8.self)
        if texts.count < Self.maxEntries, scratch.count <= Self.maxEntryBytes { texts[ByteKey(bytes: scratch)] = made }
        return made
    }

    /// The record's time cut to whole seconds in UTC (``AuditLogTally/normalize(_:)``); the previous line's when
    /// the bytes are the same (a request and its response, lines of one second).
    private func time(_ s: cek_span, _ b: UnsafeRawBufferPointer) -> String {
        let bytes = UnsafeRawBufferPointer(rebasing: b[Int(s.start)..<Int(s.start + s.length)])
        if Self.same(bytes, lastTimeRaw) { return lastTime }
        // ASCII (the fast path only hands out ASCII strings): `…THH:MM:SS…Z` is cut without a Date.
        let made: String
        if bytes.count >= 20, bytes[bytes.count - 1] == UInt8(ascii: "Z"), bytes[10] == UInt8(ascii: "T") {
            made = String(unsafeUninitializedCapacity: 20) { out in
                _ = out.initialize(from: bytes[0..<19])
                out[19] = UInt8(ascii: "Z")
                return 20
            }
        } else {
            made = AuditLogTally.normalize(String(decoding: bytes, as: UTF8.self))
        }
        lastTimeRaw.removeAll(keepingCapacity: true)
        lastTimeRaw.append(contentsOf: bytes)
        lastTime = made
        return made
    }

    /// The text before a line's JSON; the previous line's when the bytes are the same (a device prefix repeats).
    private func prefixText(_ p: UnsafeRawPointer, _ count: Int) -> String {
        let bytes = UnsafeRawBufferPointer(start: p, count: count)
        if Self.same(bytes, lastPrefixRaw) { return lastPrefix }
        lastPrefix = String(decoding: bytes, as: UTF8.self)
        lastPrefixRaw = Array(bytes)
        return lastPrefix
    }

    @inline(__always) private static func same(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
        a.count == b.count && (a.isEmpty || b.withUnsafeBytes { memcmp(a.baseAddress!, $0.baseAddress!, a.count) == 0 })
    }

    private static func string(_ s: cek_span, _ b: UnsafeRawBufferPointer) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: b[Int(s.start)..<Int(s.start + s.length)]), as: UTF8.self)
    }

    private static func equals(_ s: cek_span, _ b: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        s.start >= 0 && Int(s.length) == literal.utf8CodeUnitCount && memcmp(b.baseAddress! + Int(s.start), literal.utf8Start, Int(s.length)) == 0
    }
}
