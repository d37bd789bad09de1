import Foundation

/// A received websocket message.
public enum WebSocketMessage: Equatable {
    case binary([UInt8])
    case text(String)
}

/// An RFC 6455 websocket client over one TCP connection: the HTTP upgrade handshake with Sec-WebSocket-Accept
/// check, masked client frames, fragmented messages, ping/pong and the close handshake. No extensions
/// (openpi servers run without compression).
public final class WebSocketClient {
    private let connection: TCPConnection
    /// Seconds allowed for each send or receive.
    public var timeout: Double
    /// Largest message accepted, bytes.
    public var maxMessageBytes = 16 << 20
    /// The close code and reason the server sent, once it did.
    public private(set) var closeStatus: (code: Int, reason: String)?
    private var rng = SystemRandomNumberGenerator()
    private var frameBuffer: [UInt8] = []

    /// Connects and upgrades. `path` includes any query; `headers` are extra request headers.
    public init(host: String, port: Int, path: String = "/", headers: [String: String] = [:], timeout: Double) throws {
        self.timeout = timeout
        let deadline = monotonicSeconds() + timeout
        connection = try TCPConnection(host: host, port: port, timeout: timeout)
        var keyBytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<16 { keyBytes[i] = UInt8.random(in: 0...255, using: &rng) }
        let key = Data(keyBytes).base64EncodedString()
        var request =
            "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\nUser-Agent: benchtop\r\n"
        for (k, v) in headers { request += "\(k): \(v)\r\n" }
        request += "\r\n"
        try connection.write(Array(request.utf8), deadline: deadline)
        let head = try connection.readUntil(Array("\r\n\r\n".utf8), limit: 64 * 1024, deadline: deadline)
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n")
        let status = lines.first.map(String.init) ?? ""
        guard status.hasPrefix("HTTP/1.1 101") else {
            throw TransportError.protocolViolation("websocket upgrade refused: '\(status)'")
        }
        var accept: String?
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].lowercased() == "sec-websocket-accept" {
                accept = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        let expected = Data(SHA1.hash(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
        guard accept == expected else {
            throw TransportError.protocolViolation("Sec-WebSocket-Accept is '\(accept ?? "missing")', expected '\(expected)'")
        }
    }

    /// Sends one binary message as a single masked frame.
    public func send(binary payload: [UInt8]) throws {
        try sendFrame(opcode: 0x2, payload: payload)
    }

    public func send(text: String) throws { try sendFrame(opcode: 0x1, payload: Array(text.utf8)) }

    private func sendFrame(opcode: UInt8, payload: [UInt8]) throws {
        let deadline = monotonicSeconds() + timeout
        var header: [UInt8] = [0x80 | opcode]
        let n = payload.count
        if n < 126 {
            header.append(0x80 | UInt8(n))
        } else if n < 65536 {
            header.append(0x80 | 126)
            header += [UInt8(n >> 8), UInt8(n & 0xFF)]
        } else {
            header.append(0x80 | 127)
            for s in stride(from: 56, through: 0, by: -8) { header.append(UInt8((UInt64(n) >> UInt64(s)) & 0xFF)) }
        }
        let mask = UInt32.random(in: 0...UInt32.max, using: &rng)
        withUnsafeBytes(of: mask) { header += $0 }
        // Mask 8 bytes at a time into a reused buffer.
        if frameBuffer.count < n { frameBuffer = [UInt8](repeating: 0, count: n) }
        let mask64 = UInt64(mask) | (UInt64(mask) << 32)
        payload.withUnsafeBytes { src in
            frameBuffer.withUnsafeMutableBytes { dst in
                var i = 0
                while i + 8 <= n {
                    dst.storeBytes(of: src.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ mask64, toByteOffset: i, as: UInt64.self)
                    i += 8
                }
                withUnsafeBytes(of: mask) { m in
                    while i < n {
                        dst[i] = src[i] ^ m[i & 3]
                        i += 1
                    }
                }
            }
        }
        try header.withUnsafeBytes { h in
            try frameBuffer.withUnsafeBytes { b in
                try connection.write([h, UnsafeRawBufferPointer(rebasing: b[0..<n])], deadline: deadline)
            }
        }
    }

    /// Receives the next data message, answering pings on the way. A close frame throws `TransportError.closed`
    /// with the server's code and reason (after the close reply).
    public func receive() throws -> WebSocketMessage {
        let deadline = monotonicSeconds() + timeout
        var message: [UInt8] = []
        var messageOpcode: UInt8?
        while true {
            let h = try connection.read(count: 2, deadline: deadline)
            let fin = h[0] & 0x80 != 0
            let opcode = h[0] & 0x0F
            guard h[0] & 0x70 == 0 else { throw TransportError.protocolViolation("reserved bits set without a negotiated extension") }
            var length = UInt64(h[1] & 0x7F)
            if length == 126 {
                let e = try connection.read(count: 2, deadline: deadline)
                length = UInt64(e[0]) << 8 | UInt64(e[1])
            } else if length == 127 {
                length = try connection.read(count: 8, deadline: deadline).reduce(0) { $0 << 8 | UInt64($1) }
            }
            guard length <= UInt64(maxMessageBytes), UInt64(message.count) + length <= UInt64(maxMessageBytes) else {
                connection.close()
                throw TransportError.tooLarge(
                    "a websocket message of over \(UInt64(message.count) + length) bytes exceeds the limit of \(maxMessageBytes) bytes (raise it with max_response_mb= in the policy URL or --policy-max-response-mb)"
                )
            }
            var maskKey: [UInt8]?
            if h[1] & 0x80 != 0 { maskKey = try connection.read(count: 4, deadline: deadline) }
            var payload = try connection.read(count: Int(length), deadline: deadline)
            if let m = maskKey { for i in payload.indices { payload[i] ^= m[i & 3] } }
            switch opcode {
            case 0x0:
                guard messageOpcode != nil else { throw TransportError.protocolViolation("continuation frame without a message") }
                message += payload
            case 0x1, 0x2:
                guard messageOpcode == nil else { throw TransportError.protocolViolation("new message inside a fragmented one") }
                messageOpcode = opcode
                message = payload
            case 0x8:
                let code = payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : 1005
                let reason = payload.count > 2 ? String(decoding: payload[2...], as: UTF8.self) : ""
                closeStatus = (code, reason)
                try? sendFrame(opcode: 0x8, payload: Array(payload.prefix(2)))
                connection.close()
                throw TransportError.closed("websocket closed by the server with code \(code)\(reason.isEmpty ? "" : ": \(reason)")")
            case 0x9:
                try sendFrame(opcode: 0xA, payload: payload)
                continue
            case 0xA:
                continue
            default:
                throw TransportError.protocolViolation("unknown opcode \(opcode)")
            }
            if fin, let op = messageOpcode {
                if op == 0x1 { return .text(String(decoding: message, as: UTF8.self)) }
                return .binary(message)
            }
        }
    }

    /// Sends a close frame (1000) and closes the socket.
    public func close() {
        if connection.isOpen {
            try? sendFrame(opcode: 0x8, payload: [0x03, 0xE8])
            connection.close()
        }
    }

    public var isOpen: Bool { connection.isOpen }
}

/// SHA-1 (FIPS 180-4), needed only for the websocket handshake's accept key.
enum SHA1 {
    static func hash(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var m = message
        let bitLength = UInt64(message.count) * 8
        m.append(0x80)
        while m.count % 64 != 56 { m.append(0) }
        for s in stride(from: 56, through: 0, by: -8) { m.append(UInt8((bitLength >> UInt64(s)) & 0xFF)) }
        var w = [UInt32](repeating: 0, count: 80)
        for chunk in stride(from: 0, to: m.count, by: 64) {
            for t in 0..<16 {
                let o = chunk + 4 * t
                w[t] = UInt32(m[o]) << 24 | UInt32(m[o + 1]) << 16 | UInt32(m[o + 2]) << 8 | UInt32(m[o + 3])
            }
            for t in 16..<80 {
                let x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]
                w[t] = x << 1 | x >> 31
            }
            var (a, b, c, d, e) = (h[0], h[1], h[2], h[3], h[4])
            for t in 0..<80 {
                let (f, k): (UInt32, UInt32)
                switch t {
                case 0..<20: (f, k) = ((b & c) | (~b & d), 0x5A82_7999)
                case 20..<40: (f, k) = (b ^ c ^ d, 0x6ED9_EBA1)
                case 40..<60: (f, k) = ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
                default: (f, k) = (b ^ c ^ d, 0xCA62_C1D6)
                }
                let temp = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[t]
                e = d
                d = c
                c = b << 30 | b >> 2
                b = a
                a = temp
            }
            h[0] &+= a
            h[1] &+= b
            h[2] &+= c
            h[3] &+= d
            h[4] &+= e
        }
        return h.flatMap { v in [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    }
}
