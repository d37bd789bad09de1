import Foundation

/// An HTTP/1.1 response.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]
}

/// A small HTTP/1.1 client over one keep-alive connection: Content-Length and chunked bodies, deadlines on every
/// request, one reconnect when a kept-alive connection turns out closed. Not thread-safe (one policy, one loop).
public final class HTTPClient {
    public let host: String
    public let port: Int
    /// Seconds allowed for one request, connect included.
    public var timeout: Double
    /// Largest response body accepted, bytes.
    public var maxResponseBytes: Int
    private var connection: TCPConnection?

    public init(host: String, port: Int, timeout: Double, maxResponseBytes: Int = 16 << 20) {
        self.host = host
        self.port = port
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }

    private func tooLarge(_ what: String) -> TransportError {
        .tooLarge(
            "\(what) exceeds the limit of \(maxResponseBytes) bytes (raise it with max_response_mb= in the policy URL or --policy-max-response-mb)")
    }

    /// Sends a request and reads the whole response. Transport failures throw `TransportError`.
    public func request(_ method: String, path: String, body: [UInt8]? = nil, contentType: String = "application/json") throws -> HTTPResponse {
        let deadline = monotonicSeconds() + timeout
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUser-Agent: benchtop\r\nAccept: */*\r\nConnection: keep-alive\r\n"
        if let body { head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n" }
        head += "\r\n"
        let headBytes = Array(head.utf8)
        // A kept-alive connection may have been closed by the server since the last request: retry once on a fresh
        // one if the failure happened before any response byte arrived.
        for attempt in 0..<2 {
            let reused = connection != nil
            if connection == nil || connection!.hasPendingInputOrClosed {
                connection?.close()
                connection = try TCPConnection(host: host, port: port, timeout: max(0.001, deadline - monotonicSeconds()))
            }
            let c = connection!
            do {
                try headBytes.withUnsafeBytes { h in
                    if let body {
                        try body.withUnsafeBytes { try c.write([h, $0], deadline: deadline) }
                    } else {
                        try c.write([h], deadline: deadline)
                    }
                }
                return try readResponse(c, method: method, deadline: deadline)
            } catch TransportError.closed(let why) where reused && attempt == 0 {
                connection = nil
                _ = why
                continue
            } catch {
                connection?.close()
                connection = nil
                throw error
            }
        }
        throw TransportError.closed("\(host):\(port) closed the connection twice")
    }

    public func close() {
        connection?.close()
        connection = nil
    }

    private func readResponse(_ c: TCPConnection, method: String, deadline: Double) throws -> HTTPResponse {
        let head = try c.readUntil(Array("\r\n\r\n".utf8), limit: 64 * 1024, deadline: deadline)
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: true)
        guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1."),
            let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "")
        else {
            throw TransportError.protocolViolation("bad status line '\(lines.first ?? "")'")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body: [UInt8] = []
        if method == "HEAD" || status == 204 || status == 304 || (100..<200).contains(status) {
        } else if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = try c.readUntil([13, 10], limit: 1024, deadline: deadline)
                let hex = String(decoding: sizeLine.dropLast(2), as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(hex.trimmingCharacters(in: .whitespaces), radix: 16) else {
                    throw TransportError.protocolViolation("bad chunk size '\(hex)'")
                }
                if size == 0 {
                    // Trailers end with an empty line.
                    while try c.readUntil([13, 10], limit: 64 * 1024, deadline: deadline).count > 2 {}
                    break
                }
                guard size <= maxResponseBytes - body.count else {
                    c.close()
                    connection = nil
                    throw tooLarge("the chunked response (over \(body.count + size) bytes)")
                }
                body += try c.read(count: size, deadline: deadline)
                _ = try c.read(count: 2, deadline: deadline)
            }
        } else if let lengthText = headers["content-length"] {
            guard let length = Int(lengthText), length >= 0 else { throw TransportError.protocolViolation("bad Content-Length '\(lengthText)'") }
            guard length <= maxResponseBytes else {
                c.close()
                connection = nil
                throw tooLarge("the response's Content-Length \(length) bytes")
            }
            body = try c.read(count: length, deadline: deadline)
        } else {
            // Body until close.
            do {
                while true {
                    body += try c.read(count: 1, deadline: deadline)
                    if body.count > maxResponseBytes {
                        c.close()
                        connection = nil
                        throw tooLarge("the response (read until close)")
                    }
                }
            } catch TransportError.closed {}
        }
        if headers["connection"]?.lowercased() == "close" {
            c.close()
            connection = nil
        }
        return HTTPResponse(status: status, headers: headers, body: body)
    }
}
