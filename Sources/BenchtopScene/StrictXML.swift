import Foundation

/// An XML element read by `StrictXML`: its name, attributes and child elements. Text content is dropped
/// (URDF keeps all of its data in attributes).
public struct XMLTag: Sendable, Equatable {
    /// An attribute value, shaped like Foundation's `XMLNode` so that readers need `?.stringValue` only.
    public struct Attribute: Sendable, Equatable {
        public var stringValue: String?
    }

    public var name: String
    public var attributes: [(name: String, value: String)]
    public var childElements: [XMLTag]
    /// Byte offset of the element's `<` in the input, for error messages.
    public var offset: Int

    public static func == (a: XMLTag, b: XMLTag) -> Bool {
        a.name == b.name && a.attributes.map(\.name) == b.attributes.map(\.name)
            && a.attributes.map(\.value) == b.attributes.map(\.value) && a.childElements == b.childElements
    }

    public func attribute(forName name: String) -> Attribute? {
        attributes.first { $0.name == name }.map { Attribute(stringValue: $0.value) }
    }

    public func elements(forName name: String) -> [XMLTag] { childElements.filter { $0.name == name } }
}

/// Why a document was refused: byte offset and what was expected.
public struct XMLSyntaxError: Error, CustomStringConvertible, Sendable, Equatable {
    public var offset: Int
    public var message: String
    public var description: String { "byte \(offset): \(message)" }
}

/// A small, strict XML reader for robot descriptions.
///
/// Why not Foundation's `XMLDocument`: on Linux it is libxml2, which resolves external entities (a URDF
/// could read local files or fetch a remote DTD), parses malformed input in recovery mode and crashes on
/// empty or binary data. This reader accepts elements, attributes, comments, processing instructions, CDATA
/// and the five predefined and numeric character references. It refuses any `<!DOCTYPE` or `<!ENTITY`
/// declaration, so no entity can be defined, let alone resolved; nothing but the given bytes is ever read.
/// It is iterative (no recursion), with limits on depth and element count.
public enum StrictXML {
    public static let maxDepth = 128
    public static let maxElements = 100_000

    public static func parse(_ data: Data) throws(XMLSyntaxError) -> XMLTag {
        var reader = Reader(bytes: [UInt8](data))
        return try reader.document()
    }

    private struct Reader {
        let bytes: [UInt8]
        var i = 0
        var elementCount = 0

        func fail(_ message: String, at offset: Int? = nil) -> XMLSyntaxError {
            XMLSyntaxError(offset: offset ?? i, message: message)
        }

        func starts(with s: String) -> Bool {
            let u = Array(s.utf8)
            return i + u.count <= bytes.count && Array(bytes[i..<(i + u.count)]) == u
        }

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        /// Skips past the next `terminator`, or fails naming what was left open.
        mutating func skip(past terminator: String, what: String) throws(XMLSyntaxError) {
            let start = i
            let u = Array(terminator.utf8)
            while i + u.count <= bytes.count {
                if bytes[i] == u[0] && Array(bytes[i..<(i + u.count)]) == u {
                    i += u.count
                    return
                }
                i += 1
            }
            throw fail("unterminated \(what); expected '\(terminator)'", at: start)
        }

        /// Comments, processing instructions and the refused declarations, between and around elements.
        /// Returns false when the next thing is not one of them.
        mutating func miscellany() throws(XMLSyntaxError) -> Bool {
            if starts(with: "<!--") {
                try skip(past: "-->", what: "comment")
                return true
            }
            if starts(with: "<?") {
                try skip(past: "?>", what: "processing instruction")
                return true
            }
            if starts(with: "<!DOCTYPE") || starts(with: "<!doctype") {
                throw fail("DOCTYPE declarations are not accepted: robot descriptions need none, and their entities could read local files")
            }
            if starts(with: "<!ENTITY") || starts(with: "<!entity") {
                throw fail("ENTITY declarations are not accepted: robot descriptions need none, and entities could read local files")
            }
            return false
        }

        mutating func document() throws(XMLSyntaxError) -> XMLTag {
            guard !bytes.isEmpty else { throw fail("the file is empty; expected an XML document") }
            if let nul = bytes.firstIndex(of: 0) { throw fail("not a text file (NUL byte)", at: nul) }
            guard String(validating: bytes, as: UTF8.self) != nil else { throw fail("not UTF-8 text") }
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
            var root: XMLTag?
            while true {
                skipSpace()
                guard i < bytes.count else { break }
                if try miscellany() { continue }
                guard bytes[i] == UInt8(ascii: "<"), root == nil else {
                    throw fail(root == nil ? "expected '<' starting the root element" : "content after the root element")
                }
                root = try element()
            }
            guard let root else { throw fail("no root element") }
            return root
        }

        /// One element with everything inside it, iteratively.
        mutating func element() throws(XMLSyntaxError) -> XMLTag {
            var stack: [XMLTag] = []
            while true {
                // At '<' of a start tag.
                let (tag, selfClosing) = try startTag()
                elementCount += 1
                guard elementCount <= StrictXML.maxElements else { throw fail("more than \(StrictXML.maxElements) elements") }
                if selfClosing {
                    if stack.isEmpty { return tag }
                    stack[stack.count - 1].childElements.append(tag)
                } else {
                    stack.append(tag)
                    guard stack.count <= StrictXML.maxDepth else { throw fail("elements nested deeper than \(StrictXML.maxDepth)") }
                }
                // Content until the next start tag, or close tags.
                while true {
                    try content()
                    guard i < bytes.count else {
                        throw fail("unexpected end of file; <\(stack.last?.name ?? "?")> is not closed")
                    }
                    if starts(with: "</") {
                        let open = i
                        i += 2
                        let name = try self.name()
                        skipSpace()
                        guard i < bytes.count, bytes[i] == UInt8(ascii: ">") else { throw fail("expected '>' closing </\(name)") }
                        i += 1
                        guard let top = stack.popLast(), top.name == name else {
                            throw fail("</\(name)> does not match the open element", at: open)
                        }
                        if stack.isEmpty { return top }
                        stack[stack.count - 1].childElements.append(top)
                        continue
                    }
                    if try miscellany() { continue }
                    if starts(with: "<![CDATA[") {
                        try skip(past: "]]>", what: "CDATA section")
                        continue
                    }
                    break  // a start tag
                }
            }
        }

        /// Character data up to the next '<', checked for well-formed references and dropped.
        mutating func content() throws(XMLSyntaxError) {
            while i < bytes.count, bytes[i] != UInt8(ascii: "<") {
                if bytes[i] == UInt8(ascii: "&") { _ = try reference() } else { i += 1 }
            }
        }

        mutating func name() throws(XMLSyntaxError) -> String {
            let start = i
            while i < bytes.count {
                let b = bytes[i]
                let ok =
                    (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
                    || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":") || b >= 0x80
                guard ok else { break }
                i += 1
            }
            guard i > start, !(bytes[start] >= 0x30 && bytes[start] <= 0x39), bytes[start] != UInt8(ascii: "-"),
                bytes[start] != UInt8(ascii: ".")
            else { throw fail("expected a name", at: start) }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        mutating func startTag() throws(XMLSyntaxError) -> (XMLTag, Bool) {
            let open = i
            i += 1
            var tag = XMLTag(name: try name(), attributes: [], childElements: [], offset: open)
            while true {
                let hadSpace = i < bytes.count && [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i])
                skipSpace()
                guard i < bytes.count else { throw fail("unexpected end of file inside <\(tag.name)>", at: open) }
                if bytes[i] == UInt8(ascii: ">") {
                    i += 1
                    return (tag, false)
                }
                if starts(with: "/>") {
                    i += 2
                    return (tag, true)
                }
                guard hadSpace else { throw fail("expected whitespace, '>' or '/>' in <\(tag.name)>") }
                let attributeName = try name()
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "=") else { throw fail("expected '=' after attribute \(attributeName)") }
                i += 1
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else {
                    throw fail("expected a quoted value for attribute \(attributeName)")
                }
                let quote = bytes[i]
                i += 1
                var value: [UInt8] = []
                while true {
                    guard i < bytes.count else { throw fail("unterminated value of attribute \(attributeName)") }
                    let b = bytes[i]
                    if b == quote {
                        i += 1
                        break
                    }
                    if b == UInt8(ascii: "<") { throw fail("'<' inside the value of attribute \(attributeName)") }
                    if b == UInt8(ascii: "&") {
                        value += try reference()
                    } else {
                        value.append(b)
                        i += 1
                    }
                }
                guard !tag.attributes.contains(where: { $0.name == attributeName }) else {
                    throw fail("attribute \(attributeName) given twice in <\(tag.name)>")
                }
                tag.attributes.append((attributeName, String(decoding: value, as: UTF8.self)))
            }
        }

        /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` `&#N;` `&#xH;`; any other reference is an error (there are no
        /// declared entities to resolve).
        mutating func reference() throws(XMLSyntaxError) -> [UInt8] {
            let start = i
            guard let semicolon = bytes[i..<min(bytes.count, i + 12)].firstIndex(of: UInt8(ascii: ";")) else {
                throw fail("'&' not starting a character reference (write &amp;)")
            }
            let body = String(decoding: bytes[(i + 1)..<semicolon], as: UTF8.self)
            i = semicolon + 1
            switch body {
            case "lt": return [UInt8(ascii: "<")]
            case "gt": return [UInt8(ascii: ">")]
            case "amp": return [UInt8(ascii: "&")]
            case "quot": return [UInt8(ascii: "\"")]
            case "apos": return [UInt8(ascii: "'")]
            default:
                var code: UInt32?
                if body.hasPrefix("#x") {
                    code = UInt32(body.dropFirst(2), radix: 16)
                } else if body.hasPrefix("#") {
                    code = UInt32(body.dropFirst())
                }
                guard let code, code != 0, let scalar = Unicode.Scalar(code) else {
                    throw fail(
                        "unknown entity reference '&\(body.prefix(16));': only the five predefined ones and character references are read", at: start)
                }
                return Array(String(Character(scalar)).utf8)
            }
        }
    }
}
