import CEKAuditCollectorKit
import CEKAuditCore
import CEKScan
import Foundation

/// Reads the members of one CloudTrail record that the KMS audit uses straight from its bytes, skipping the rest
/// (request parameters of other shapes, session context, TLS details …) without building a tree. About ten times
/// faster than `JSONDecoder` on these records, which is what makes gigabytes of trail affordable.
///
/// It checks the structure it walks: separators and nesting of the record and of the sub-objects it reads, and
/// strings everywhere; a value it skips is checked for balanced nesting and strings only. Strings with escapes are
/// unescaped by Foundation's JSON parser (RFC 8259 §7), so `\uXXXX` and surrogate pairs come out right. Members may
/// be missing, `null` or of another type (they then read as absent), as in real trails.
struct CloudTrailRecordReader {
    typealias Failure = JSONByteCursor.Failure

    private var c: JSONByteCursor
    /// The worker's interner, for the duration of one ``read(_:_:interner:)``.
    private let interner: UnsafeMutablePointer<StringInterner>

    private init(_ b: UnsafeRawBufferPointer, _ range: Range<Int>, interner: UnsafeMutablePointer<StringInterner>) {
        c = JSONByteCursor(b, range)
        self.interner = interner
    }

    /// Reads the record in `range` of `b`; repeated values come from `interner` (the scanning worker's).
    /// - Throws: ``Failure`` at the first structural error.
    ///
    /// The C fast path (`cek_cloudtrail_record_scan`, Sources/CEKScan) reads the record first; a record it does not
    /// decide (an escape in a member read here, a member of an unexpected type or repeated, more than four
    /// resources, any structural error) is read by this reader's own walk, which also reports the errors. Both give
    /// the same record (CloudTrailRecordFastPathTests compares them on every fixture and on mutated records).
    static func read(_ b: UnsafeRawBufferPointer, _ range: Range<Int>, interner: inout StringInterner) throws -> CloudTrailRecord {
        if let r = fast(b, range, interner: &interner) { return r }
        return try exact(b, range, interner: &interner)
    }

    /// The record in `range` of `b` read by this reader's own walk only (no fast path): the reference the fast path
    /// must agree with, and the reader of the records it does not decide.
    static func exact(_ b: UnsafeRawBufferPointer, _ range: Range<Int>, interner: inout StringInterner) throws -> CloudTrailRecord {
        try withUnsafeMutablePointer(to: &interner) { p in
            var r = CloudTrailRecordReader(b, range, interner: p)
            return try r.record()
        }
    }

    /// The record in `range` of `b` as the C fast path reads it, or `nil` when it does not decide the record. The
    /// strings are made as ``text(_:)`` makes them: interned, the time as ``StringInterner/time(_:_:)``, the error
    /// message fresh, the event and request ids left where they lie.
    static func fast(_ b: UnsafeRawBufferPointer, _ range: Range<Int>, interner: inout StringInterner) -> CloudTrailRecord? {
        guard let whole = b.baseAddress, !range.isEmpty else { return nil }
        let base = whole + range.lowerBound
        var f = cek_cloudtrail_fields()
        guard cek_cloudtrail_record_scan(base.assumingMemoryBound(to: UInt8.self), range.count, &f) == 1 else { return nil }
        func interned(_ s: cek_span) -> (String, Int32?)? {
            s.start < 0 ? nil : interner.string(base + Int(s.start), Int(s.length))
        }
        func text(_ s: cek_span) -> String? { interned(s)?.0 }
        func raw(_ s: cek_span) -> CloudTrailRecord.RawText? {
            s.start < 0 ? nil : .bytes(range.lowerBound + Int(s.start) ..< range.lowerBound + Int(s.start) + Int(s.length))
        }
        func spells(_ s: cek_span, _ word: StaticString) -> Bool {
            s.start >= 0 && Int(s.length) == word.utf8CodeUnitCount && memcmp(base + Int(s.start), word.utf8Start, Int(s.length)) == 0
        }
        var r = CloudTrailRecord()
        if f.event_time.start >= 0 { r.eventTime = interner.time(base + Int(f.event_time.start), Int(f.event_time.length)) }
        r.eventSource = spells(f.event_source, "kms.amazonaws.com") ? kmsSource : text(f.event_source)
        r.eventName = text(f.event_name)
        r.awsRegion = text(f.aws_region)
        r.eventID = raw(f.event_id)
        r.requestID = raw(f.request_id)
        r.errorCode = text(f.error_code)
        if f.error_message.start >= 0 {
            r.errorMessage = String(decoding: UnsafeRawBufferPointer(start: base + Int(f.error_message.start), count: Int(f.error_message.length)), as: UTF8.self)
        }
        r.recipientAccountId = text(f.recipient_account_id)
        if f.has_identity != 0 {
            var u = CloudTrailRecord.UserIdentity()
            u.isAWSService = spells(f.identity_type, "AWSService")
            if let (arn, id) = interned(f.identity_arn) { u.arn = arn; u.arnID = id }
            u.accountId = text(f.identity_account_id)
            if let (by, id) = interned(f.identity_invoked_by) { u.invokedBy = by; u.invokedByID = id }
            r.userIdentity = u
        }
        if f.has_resources != 0 {
            var refs: [CloudTrailRecord.ResourceRef] = []
            refs.reserveCapacity(Int(f.resource_count))
            withUnsafeBytes(of: f.resource_arn) { arns in
                withUnsafeBytes(of: f.resource_type) { types in
                    let arns = arns.bindMemory(to: cek_span.self), types = types.bindMemory(to: cek_span.self)
                    for k in 0..<Int(f.resource_count) {
                        refs.append(CloudTrailRecord.ResourceRef(arn: text(arns[k]), isKMSKey: spells(types[k], "AWS::KMS::Key")))
                    }
                }
            }
            r.resources = refs
        }
        if f.has_request != 0 {
            r.requestParameters = CloudTrailRecord.RequestParameters(keyId: text(f.request_key_id), targetKeyId: text(f.request_target_key_id),
                                                                     aliasName: text(f.request_alias_name), rotationPeriodInDays: text(f.request_rotation_period))
        }
        if f.has_response != 0 {
            var e = CloudTrailRecord.ResponseElements()
            e.keyId = text(f.response_key_id)
            if f.has_metadata != 0 {
                e.keyMetadata = CloudTrailRecord.KeyMetadata(arn: text(f.metadata_arn), keyId: text(f.metadata_key_id),
                                                             origin: text(f.metadata_origin), keyManager: text(f.metadata_key_manager))
            }
            r.responseElements = e
        }
        if f.has_additional != 0 {
            r.additionalEventData = CloudTrailRecord.AdditionalEventData(customKeyStoreId: text(f.custom_key_store_id), xksKeyId: text(f.xks_key_id))
        }
        if f.has_service != 0 { r.serviceEventDetails = CloudTrailRecord.ServiceEventDetails(keyId: text(f.service_key_id)) }
        return r
    }

    /// Reads the record in `range` of `b` with an interner of its own.
    static func read(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) throws -> CloudTrailRecord {
        var interner = StringInterner()
        return try read(b, range, interner: &interner)
    }

    private mutating func skipValue() throws { try c.skipValue() }
    private func equals(_ r: Range<Int>, _ s: StaticString) -> Bool { c.equals(r, s) }

    /// How ``text(_:)`` makes a string without escapes: interned (values records repeat), as the previous record's
    /// time, or fresh (values unique per record, which would only fill the interner).
    private enum Making { case interned, time, fresh }

    /// A string value (numbers and booleans as their text); `nil` for null, objects and arrays (skipped).
    private mutating func text(_ making: Making = .interned) throws -> String? {
        try textWithID(making)?.0
    }

    /// ``text(_:)`` and the interner's id of the value (`nil` when it was not interned).
    private mutating func textWithID(_ making: Making = .interned) throws -> (String, Int32?)? {
        c.ws()
        guard let first = c.current else { throw c.fail("expected a value") }
        if first == 0x22 {
            let (r, escaped) = try c.string()
            if !escaped {
                let p = c.b.baseAddress! + r.lowerBound
                switch making {
                case .interned: return interner.pointee.string(p, r.count)
                case .time: return (interner.pointee.time(p, r.count), nil)
                case .fresh: return (String(decoding: UnsafeRawBufferPointer(rebasing: c.b[r]), as: UTF8.self), nil)
                }
            }
            return (try Self.unescape(c.b, r, at: c), nil)
        }
        if first == 0x7B || first == 0x5B { try c.skipValue(); return nil }
        let start = c.i
        try c.skipValue()
        let literal = String(decoding: UnsafeRawBufferPointer(rebasing: c.b[start..<c.i]), as: UTF8.self)
        return literal == "null" ? nil : (literal, nil)
    }

    /// Whether the value is the string `s` (compared where it lies when it holds no escapes; no `String` made for
    /// the common case). Other values (null, numbers, objects, arrays) are not.
    private mutating func textIs(_ s: StaticString) throws -> Bool {
        c.ws()
        if c.current == 0x22 {
            let start = c.i
            let (r, escaped) = try c.string()
            if !escaped { return equals(r, s) }
            c.i = start
        }
        guard let t = try text(.fresh) else { return false }
        return t.utf8.elementsEqual(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// The contents `r` of a string holding escapes, unescaped by Foundation's JSON parser (RFC 8259 §7).
    /// - Throws: ``Failure`` at `cursor` for an invalid escape.
    static func unescape(_ b: UnsafeRawBufferPointer, _ r: Range<Int>, at cursor: JSONByteCursor) throws -> String {
        var quoted = Data([0x22])
        quoted.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[r]))
        quoted.append(0x22)
        guard let decoded = (try? JSONSerialization.jsonObject(with: quoted, options: [.fragmentsAllowed])) as? String else {
            throw cursor.fail("invalid escape sequence in a string")
        }
        return decoded
    }

    /// A string value kept as its place in the buffer (event and request ids: hashed for deduplication, made into a
    /// `String` only for a diagnostic); other values as ``text(_:)`` reads them, made now.
    private mutating func raw() throws -> CloudTrailRecord.RawText? {
        c.ws()
        if c.current == 0x22 {
            let start = c.i
            let (r, escaped) = try c.string()
            if !escaped { return .bytes(r) }
            c.i = start
        }
        return try text(.fresh).map { .string($0) }
    }

    /// The KMS endpoint's name, shared by every KMS record instead of a string allocated per record.
    private static let kmsSource = "kms.amazonaws.com"

    /// `eventSource`: ``kmsSource`` itself when the value spells it without escapes, else as ``text()`` reads it.
    private mutating func eventSource() throws -> String? {
        c.ws()
        let start = c.i
        if c.current == 0x22 {
            let (r, escaped) = try c.string()
            if !escaped, equals(r, "kms.amazonaws.com") { return Self.kmsSource }
            c.i = start
        }
        return try text()
    }

    /// Enters an object: `true` when the value is an object, `false` (value skipped) otherwise.
    private mutating func openObject() throws -> Bool {
        c.ws()
        guard let first = c.current else { throw c.fail("expected a value") }
        if first == 0x7B { c.i += 1; return true }
        try c.skipValue()
        return false
    }

    /// The next member key of the current object, or `nil` at its closing brace.
    private mutating func nextKey(first: inout Bool) throws -> Range<Int>? {
        c.ws()
        guard let next = c.current else { throw c.fail("unexpected end of the record") }
        if next == 0x7D { c.i += 1; return nil }
        if !first {
            guard next == 0x2C else { throw c.fail("expected ',' or '}' between members") }
            c.i += 1
            c.ws()
        }
        first = false
        let (key, _) = try c.string()
        c.ws()
        guard c.current == 0x3A else { throw c.fail("expected ':' after a key") }
        c.i += 1
        return key
    }

    private mutating func record() throws -> CloudTrailRecord {
        var r = CloudTrailRecord()
        guard try openObject() else { throw c.fail("a record is an object") }
        var first = true
        while let k = try nextKey(first: &first) {
            if equals(k, "eventTime") { r.eventTime = try text(.time) }
            else if equals(k, "eventSource") { r.eventSource = try eventSource() }
            else if equals(k, "eventName") { r.eventName = try text() }
            else if equals(k, "awsRegion") { r.awsRegion = try text() }
            else if equals(k, "eventID") { r.eventID = try raw() }
            else if equals(k, "requestID") { r.requestID = try raw() }
            else if equals(k, "errorCode") { r.errorCode = try text() }
            else if equals(k, "errorMessage") { r.errorMessage = try text(.fresh) }
            else if equals(k, "recipientAccountId") { r.recipientAccountId = try text() }
            else if equals(k, "userIdentity") { r.userIdentity = try userIdentity() }
            else if equals(k, "resources") { r.resources = try resources() }
            else if equals(k, "requestParameters") { r.requestParameters = try requestParameters() }
            else if equals(k, "responseElements") { r.responseElements = try responseElements() }
            else if equals(k, "additionalEventData") { r.additionalEventData = try additionalEventData() }
            else if equals(k, "serviceEventDetails") { r.serviceEventDetails = try serviceEventDetails() }
            else { try skipValue() }
        }
        c.ws()
        if c.i != c.end { throw c.fail("unexpected data after the record") }
        return r
    }

    private mutating func userIdentity() throws -> CloudTrailRecord.UserIdentity? {
        guard try openObject() else { return nil }
        var u = CloudTrailRecord.UserIdentity()
        var first = true
        while let k = try nextKey(first: &first) {
            if equals(k, "type") { u.isAWSService = try textIs("AWSService") }
            else if equals(k, "arn") {
                let t = try textWithID()
                u.arn = t?.0
                u.arnID = t?.1
            }
            else if equals(k, "accountId") { u.accountId = try text() }
            else if equals(k, "invokedBy") {
                let t = try textWithID()
                u.invokedBy = t?.0
                u.invokedByID = t?.1
            }
            else { try skipValue() }
        }
        return u
    }

    private mutating func resources() throws -> [CloudTrailRecord.ResourceRef]? {
        c.ws()
        guard c.current == 0x5B else { try c.skipValue(); return nil }
        c.i += 1
        var out: [CloudTrailRecord.ResourceRef] = []
        var firstItem = true
        while true {
            c.ws()
            guard let next = c.current else { throw c.fail("unclosed resources list") }
            if next == 0x5D { c.i += 1; return out }
            if !firstItem {
                guard next == 0x2C else { throw c.fail("expected ',' or ']' in resources") }
                c.i += 1
            }
            firstItem = false
            guard try openObject() else { continue }
            var ref = CloudTrailRecord.ResourceRef()
            var first = true
            while let k = try nextKey(first: &first) {
                if equals(k, "ARN") { ref.arn = try text() }
                else if equals(k, "type") { ref.isKMSKey = try textIs("AWS::KMS::Key") }
                else { try skipValue() }
            }
            out.append(ref)
        }
    }

    private mutating func requestParameters() throws -> CloudTrailRecord.RequestParameters? {
        guard try openObject() else { return nil }
        var p = CloudTrailRecord.RequestParameters()
        var first = true
        while let k = try nextKey(first: &first) {
            if equals(k, "keyId") { p.keyId = try text() }
            else if equals(k, "targetKeyId") { p.targetKeyId = try text() }
            else if equals(k, "aliasName") { p.aliasName = try text() }
            else if equals(k, "rotationPeriodInDays") { p.rotationPeriodInDays = try text() }
            else { try skipValue() }
        }
        return p
    }

    private mutating func responseElements() throws -> CloudTrailRecord.ResponseElements? {
        guard try openObject() else { return nil }
        var e = CloudTrailRecord.ResponseElements()
        var first = true
        while let k = try nextKey(first: &first) {
            if equals(k, "keyId") { e.keyId = try text() }
            else if equals(k, "keyMetadata") {
                guard try openObject() else { continue }
                var m = CloudTrailRecord.KeyMetadata()
                var f2 = true
                while let k2 = try nextKey(first: &f2) {
                    if equals(k2, "arn") { m.arn = try text() }
                    else if equals(k2, "keyId") { m.keyId = try text() }
                    else if equals(k2, "origin") { m.origin = try text() }
                    else if equals(k2, "keyManager") { m.keyManager = try text() }
                    else { try skipValue() }
                }
                e.keyMetadata = m
            } else { try skipValue() }
        }
        return e
    }

    private mutating func additionalEventData() throws -> CloudTrailRecord.AdditionalEventData? {
        guard try openObject() else { return nil }
        var a = CloudTrailRecord.AdditionalEventData()
        var first = true
        while let k = try nextKey(first: &first) {
            if equals(k, "customKeyStoreId") { a.customKeyStoreId = try text() }
            else if equals(k, "xksKeyId") { a.xksKeyId = try text() }
            else { try skipValue() }
        }
        return a
    }

    private mutating func serviceEventDetails() throws -> CloudTrailRecord.ServiceEventDetails? {
        guard try openObject() else { return nil }
        var s = CloudTrailRecord.ServiceEventDetails()
        var first = true
        while let k = try nextKey(first: &first) {
            if equals(k, "keyId") { s.keyId = try text() } else { try skipValue() }
        }
        return s
    }
}
