import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditInfraCode
import Foundation

/// Recognises a file by its content, whatever its name or extension (`terraform.tfstate`, `*.tfstate.backup`,
/// `stack.template`, a key policy without extension …): the first ``ContentProbe/headLength`` bytes decide whether
/// it is text at all (binary files are skipped cheaply, with the reason), whether a log collector reads it (by its
/// head, never by loading it), and whether it is a JSON or YAML document worth parsing; the registry's collectors
/// then recognise the parsed document. The extension is only a hint: it decides whether a file that does not parse
/// is an error (it claims to be JSON or YAML) or simply not an input.
public struct ContentRecognizer: Sendable {
    public var registry: CollectorRegistry

    /// Largest document read whole for recognition (templates, plans and state are far smaller); a larger text
    /// file that no log collector recognised by its head is skipped with the reason.
    public static let maxDocumentBytes = 256 * 1024 * 1024

    /// Extensions that claim a JSON or YAML document: such a file that does not parse is an error, not a skip.
    static let documentExtensions: Set<String> = ["json", "yaml", "yml", "template", "tfstate", "backup", "policy"]

    public init(registry: CollectorRegistry) {
        self.registry = registry
    }

    /// The outcome of looking at one file.
    public enum Outcome: Sendable {
        /// Read by `collector`; `file` carries the bytes and parsed document when recognition already read them.
        case recognized(any EvidenceCollector, SourceFile)
        /// Not an input this version reads; the reason says what it looks like and what to do.
        case skipped(String)
        /// Claims to be an input but cannot be read or parsed; the bytes, when read, are kept as evidence.
        case invalid(CEKAuditError, Data?)
    }

    /// Recognises `file` (its `path` and `locator`).
    public func recognize(_ file: SourceFile) -> Outcome {
        let base = (file.locator as NSString).lastPathComponent
        let ext = (file.locator as NSString).pathExtension.lowercased()
        if base == "audit.yaml" || base == "audit.yml" { return .skipped("assessment file") }
        // Terraform configurations (`.tf`, `.tf.json`, `.tfvars`) are read as a folder, by the HCL collector.
        if TerraformHCLCollector.isConfigurationFile(base),
           let c = registry.collectors.first(where: { $0.input == .batch && $0.recognizes(ContentProbe(locator: file.locator, head: Data(), headIsWhole: false)) }) {
            return .recognized(c, file)
        }
        if ext == "hcl" {
            return .skipped("HCL that is not a Terraform configuration (.tf) is not an input this version reads")
        }
        let head: Data
        let whole: Bool
        do { (head, whole) = try Self.readHead(file.path) } catch {
            return .invalid(.cannotRead(file.locator, FileProblem.reading(file.path, error: error)), nil)
        }
        if head.isEmpty { return .skipped("empty file") }
        var probe = ContentProbe(locator: file.locator, head: head, headIsWhole: whole)
        if Gzip.isGzip(head) {
            // Inflated only as far as the collectors asked in turn need (CloudTrail, asked first, decides on 4 KiB;
            // a head this short costs little next to inflating 64 KiB of every file of a trail). Each collector sees
            // at least the bytes it reads, so the outcome is the one a 64 KiB head gives.
            var inflated: [Int: Data] = [:]
            var failed = false
            for c in registry.collectors where c.input == .batch {
                let need = max(1, min(c.recognitionHeadBytes, ContentProbe.headLength))
                let stage = inflated.keys.filter { $0 >= need }.min()
                let text: Data
                if let stage, let d = inflated[stage] { text = d } else {
                    guard let d = Self.inflatedHead(head, whole: whole, path: file.path, count: need) else { failed = true; break }
                    inflated[need] = d
                    text = d
                }
                probe.head = text
                probe.headIsWhole = false
                if c.recognizes(probe) { return .recognized(c, file) }
            }
            if failed { return .skipped("a gzip file that does not inflate") }
            return .skipped("compressed content that no collector reads (only CloudTrail logs are read compressed)")
        }
        if let why = Self.binaryReason(head, whole: whole) { return .skipped(why) }
        // Logs are recognised by their head and streamed later, never loaded here.
        if let c = registry.collectors.first(where: { $0.input == .batch && $0.recognizes(probe) }) {
            return .recognized(c, file)
        }
        let claimsDocument = Self.documentExtensions.contains(ext) || Self.looksLikeJSON(head)
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        guard size <= Self.maxDocumentBytes else {
            return .skipped("a \(size / (1024 * 1024)) MiB text file that no log collector recognises, too large to be a document")
        }
        let data: Data
        do { data = whole ? head : try Data(contentsOf: URL(fileURLWithPath: file.path)) } catch {
            return .invalid(.cannotRead(file.locator, FileProblem.reading(file.path, error: error)), nil)
        }
        // Recognition reads the value only (no YAML tree for line numbers, which held many times a large JSON file's
        // size); the document collector that recognises the file gets the whole parse.
        let document: ParsedDocument
        do { document = try ParsedDocument(data: data, locator: file.locator, lineNumbers: false) } catch {
            guard claimsDocument else { return .skipped(notRecognised) }
            return .invalid((error as? CEKAuditError) ?? .cannotRead(file.locator, FileProblem.reading(file.path, error: error)), data)
        }
        probe.document = document
        var read = file
        read.data = data
        if let c = registry.recognize(probe) {
            // A batch collector reads the bytes of its files itself: no parsed document is held with every other
            // file's until the batch runs (three trees of a 10,000-key export at once).
            if c.input == .batch { return .recognized(c, read) }
            if document.syntax == .json && document.root == nil {
                do { read.document = try ParsedDocument(data: data, locator: file.locator) } catch {
                    return .invalid((error as? CEKAuditError) ?? .cannotRead(file.locator, FileProblem.reading(file.path, error: error)), data)
                }
            } else {
                read.document = document
            }
            return .recognized(c, read)
        }
        return .skipped(notRecognised)
    }

    /// "not a recognised input (…)" naming what the registry reads.
    var notRecognised: String {
        "not a recognised input (\(registry.sourceKinds.joined(separator: ", ")))"
    }

    /// Whether the head starts (after white space and a byte-order mark) with `{` or `[`.
    static func looksLikeJSON(_ head: Data) -> Bool {
        for b in head.prefix(4096) {
            switch b {
            case 0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF: continue
            case UInt8(ascii: "{"), UInt8(ascii: "["): return true
            default: return false
            }
        }
        return false
    }

    /// Why a head is not text: a NUL byte, or bytes that are not UTF-8 (a multi-byte character cut at the end of a
    /// partial head is allowed). `nil` for text.
    static func binaryReason(_ head: Data, whole: Bool) -> String? {
        let hasNUL = head.withUnsafeBytes { b in b.baseAddress.map { memchr($0, 0, b.count) != nil } ?? false }
        if hasNUL { return "binary file (it contains NUL bytes); not an input this version reads" }
        var bytes = head
        if !whole { bytes = bytes.dropLast(cutSequenceLength(bytes)) }
        if let (_, place) = TextPosition.firstInvalidUTF8(in: bytes) {
            return "binary file (not UTF-8 text from line \(place.line), column \(place.column)); not an input this version reads"
        }
        return nil
    }

    /// How many bytes at the end of `bytes` are the start of a multi-byte UTF-8 sequence that the end of a partial
    /// head cut short (0 when the head ends with a complete character). Only the trailing continuation bytes and
    /// their lead byte count: a head ending in `ü` and then ASCII ends complete. (An earlier version skipped ASCII
    /// bytes while looking back, dropped the wrong bytes and skipped valid CloudTrail files as binary whenever a
    /// non-ASCII character sat among the last three bytes of their 64 KiB head.)
    static func cutSequenceLength(_ bytes: Data) -> Int {
        var continuation = 0
        var k = bytes.endIndex
        while k > bytes.startIndex, continuation < 3, bytes[k - 1] & 0xC0 == 0x80 {
            continuation += 1
            k -= 1
        }
        guard k > bytes.startIndex else { return 0 }
        let lead = bytes[k - 1]
        guard lead >= 0xC0 else { return 0 }
        let length = lead >= 0xF0 ? 4 : (lead >= 0xE0 ? 3 : 2)
        return continuation + 1 < length ? continuation + 1 : 0
    }

    /// The first `count` inflated bytes of a gzip file whose (compressed) head is `head`. The compressed head usually
    /// inflates to enough text; only a stream that does not (a tiny head, an odd encoder) is retried on a longer
    /// prefix of the file, so a tree of many logs is not read twice in full. `nil` when nothing inflates.
    static func inflatedHead(_ head: Data, whole: Bool, path: String, count: Int) -> Data? {
        let enough = min(count, 4096)
        if let d = try? Gzip.head(head, count: count), d.count >= enough || whole { return d.isEmpty ? nil : d }
        guard let d = try? Gzip.head(Self.readPrefix(path, bytes: 8 * 1024 * 1024) ?? head, count: count), !d.isEmpty else { return nil }
        return d
    }

    /// The first ``ContentProbe/headLength`` bytes and whether they are the whole file.
    ///
    /// Read with POSIX `open`/`read` into one buffer of that size: `FileHandle.read(upToCount:)` grew its buffer by
    /// `realloc` and faulted in fresh pages for every file, a third of the page faults of a scan of 2,000 log files.
    /// - Throws: `POSIXError` with the `errno` of the failed call.
    static func readHead(_ path: String) throws -> (Data, Bool) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let want = ContentProbe.headLength + 1
        var head = Data(count: want)
        var filled = 0
        var failure: Int32 = 0
        head.withUnsafeMutableBytes { (b: UnsafeMutableRawBufferPointer) in
            while filled < want {
                let n = read(fd, b.baseAddress! + filled, want - filled)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if n == 0 { return }
                filled += n
            }
        }
        if failure != 0 { throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO) }
        if filled > ContentProbe.headLength { return (head.prefix(ContentProbe.headLength), false) }
        // A whole (small) file is kept as the source's bytes: copied into a buffer of its own size, not left in the
        // 64 KiB one (38,500 per-call evidence files of a 10,000-key export held 2.5 GB of empty capacity).
        let whole = head.withUnsafeBytes { Data(bytes: $0.baseAddress!, count: filled) }
        return (whole, true)
    }

    /// Up to `bytes` bytes from the start of a file.
    static func readPrefix(_ path: String, bytes: Int) -> Data? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        return try? handle.read(upToCount: bytes)
    }
}
