import Foundation

/// Builds an HTML document as text. Tag and attribute names are `StaticString`, so only the reporter's own constants
/// become markup; every dynamic value — text or attribute value — goes through ``HTMLEscaping/escape(_:)``.
/// The one way around that, ``trusted(_:)``, is for the style sheet and script the reporter generates itself.
final class HTMLWriter {
    /// Attributes in source order; a `nil` value omits the attribute, an empty value writes a bare boolean attribute.
    typealias Attributes = KeyValuePairs<StaticString, String?>

    private(set) var html = ""

    /// Elements after whose end tag a line break is written, so the source reads and diffs line by line.
    private static let blockElements: Set<String> = [
        "html", "head", "body", "header", "footer", "main", "nav", "section", "article", "div", "details", "summary",
        "p", "ul", "ol", "li", "dl", "dd", "table", "thead", "tbody", "tr", "title", "style", "script", "h1", "h2", "h3",
        "h4",
    ]

    /// A writer with room for `capacity` bytes of text: a report's page reserved at its expected size is never
    /// copied while it grows (at 10,000 keys each doubling copied up to 8 MB while both copies were held), and
    /// reserved pages that are never written are never touched.
    init(capacity: Int = 64 * 1024) {
        html.reserveCapacity(capacity)
    }

    /// A writer that passes its text to `sink` as UTF-8 whenever an element closes with at least `chunk` bytes
    /// gathered, so the page is never whole in memory; ``finish()`` passes the rest.
    convenience init(streamingTo sink: @escaping (UnsafeRawBufferPointer) throws -> Void, chunk: Int) {
        self.init(capacity: chunk + chunk / 4)
        self.sink = sink
        self.chunk = chunk
    }

    /// Where the text goes when streaming; `nil` keeps it in ``html``.
    private var sink: ((UnsafeRawBufferPointer) throws -> Void)?
    /// Bytes gathered before they are passed on.
    private var chunk = Int.max
    /// The first error the sink threw: nothing more reaches the sink, and ``finish()`` throws it.
    private var sinkError: (any Error)?

    /// Passes the text gathered so far to the sink and empties ``html`` (keeping its storage).
    private func flush() {
        guard let sink else { return }
        if sinkError == nil {
            do { try html.withUTF8 { try sink(UnsafeRawBufferPointer($0)) } } catch { sinkError = error }
        }
        html.removeAll(keepingCapacity: true)
    }

    /// Streaming: passes what is left to the sink.
    /// - Throws: the first error the sink threw.
    func finish() throws {
        flush()
        if let sinkError { throw sinkError }
    }

    /// Writes the reporter's own markup as is.
    func markup(_ s: StaticString) {
        html += s.description
    }

    /// Writes text the reporter generated from constants and numbers only (style sheet, script, CSS rules).
    /// Never pass a string from a report here.
    func trusted(_ s: String) {
        html += s
    }

    /// Writes escaped text.
    func text(_ s: String) {
        html += HTMLEscaping.escape(s)
    }

    /// Writes a start tag.
    func open(_ tag: StaticString, _ attributes: Attributes = [:]) {
        html += "<"
        html += tag.description
        for (name, value) in attributes {
            guard let value else { continue }
            html += " "
            html += name.description
            if !value.isEmpty {
                html += "=\""
                html += HTMLEscaping.escape(value)
                html += "\""
            }
        }
        html += ">"
    }

    /// Writes an end tag.
    func close(_ tag: StaticString) {
        let name = tag.description
        html += "</" + name + ">"
        if Self.blockElements.contains(name) { html += "\n" }
        if html.utf8.count >= chunk { flush() }
    }

    /// Writes a void element (`meta`, `input`, `br`): a start tag with no end tag.
    func void(_ tag: StaticString, _ attributes: Attributes = [:]) {
        open(tag, attributes)
        html += "\n"
    }

    /// Writes an element whose content is escaped text.
    func element(_ tag: StaticString, _ attributes: Attributes = [:], text content: String) {
        open(tag, attributes)
        text(content)
        close(tag)
    }

    /// Writes an element whose content `body` writes.
    func element(_ tag: StaticString, _ attributes: Attributes = [:], _ body: () -> Void) {
        open(tag, attributes)
        body()
        close(tag)
    }
}
