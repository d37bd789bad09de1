import Foundation
import Glibc

/// A failure of the transport: cannot connect, peer closed, deadline passed.
public enum TransportError: Error, CustomStringConvertible, Equatable {
    case resolve(String)
    case connect(String)
    case closed(String)
    case timeout(String)
    case io(String)
    case protocolViolation(String)
    /// An answer larger than the client accepts.
    case tooLarge(String)

    public var description: String {
        switch self {
        case .resolve(let s): "cannot resolve \(s)"
        case .connect(let s): "cannot connect: \(s)"
        case .closed(let s): "connection closed: \(s)"
        case .timeout(let s): "timed out: \(s)"
        case .io(let s): "I/O error: \(s)"
        case .protocolViolation(let s): "protocol violation: \(s)"
        case .tooLarge(let s): "answer too large: \(s)"
        }
    }
}

/// A blocking TCP connection with deadlines (poll before every read and write), buffered reads.
final class TCPConnection {
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var scratch = [UInt8](repeating: 0, count: 256 * 1024)
    let host: String
    let port: Int

    /// Connects within `timeout` seconds. TCP_NODELAY is set: requests are latency-bound.
    init(host: String, port: Int, timeout: Double) throws {
        self.host = host
        self.port = port
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &result)
        guard rc == 0, let first = result else { throw TransportError.resolve("\(host):\(port) (\(String(cString: gai_strerror(rc))))") }
        defer { freeaddrinfo(result) }
        var lastError = "no address"
        var info: UnsafeMutablePointer<addrinfo>? = first
        fd = -1
        while let ai = info {
            info = ai.pointee.ai_next
            let s = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
            if s < 0 {
                lastError = String(cString: strerror(errno))
                continue
            }
            let flags = fcntl(s, F_GETFL, 0)
            _ = fcntl(s, F_SETFL, flags | O_NONBLOCK)
            var r = Glibc.connect(s, ai.pointee.ai_addr, ai.pointee.ai_addrlen)
            if r < 0 && errno == EINPROGRESS {
                var p = pollfd(fd: s, events: Int16(POLLOUT), revents: 0)
                let n = poll(&p, 1, Int32(max(1, timeout * 1000)))
                if n == 0 {
                    Glibc.close(s)
                    throw TransportError.timeout("connecting to \(host):\(port) after \(timeout) s")
                }
                var err: Int32 = 0
                var len = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len)
                r = err == 0 ? 0 : -1
                if err != 0 { errno = err }
            }
            if r < 0 {
                lastError = String(cString: strerror(errno))
                Glibc.close(s)
                continue
            }
            var one: Int32 = 1
            setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            fd = s
            break
        }
        if fd < 0 { throw TransportError.connect("\(host):\(port): \(lastError)") }
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }
    var isOpen: Bool { fd >= 0 }

    private func wait(_ events: Int32, until deadline: Double, what: String) throws {
        var p = pollfd(fd: fd, events: Int16(events), revents: 0)
        while true {
            let left = deadline - monotonicSeconds()
            if left <= 0 { throw TransportError.timeout(what) }
            let n = poll(&p, 1, Int32(max(1, min(left * 1000, 60_000))))
            if n > 0 { return }
            if n < 0 && errno != EINTR { throw TransportError.io("poll: \(String(cString: strerror(errno)))") }
        }
    }

    /// Writes all of `parts` (gathered) before `deadline`.
    func write(_ parts: [UnsafeRawBufferPointer], deadline: Double) throws {
        guard fd >= 0 else { throw TransportError.closed("socket already closed") }
        for part in parts {
            var offset = 0
            while offset < part.count {
                let n = send(fd, part.baseAddress! + offset, part.count - offset, Int32(MSG_NOSIGNAL))
                if n > 0 {
                    offset += n
                    continue
                }
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    try wait(POLLOUT, until: deadline, what: "sending to \(host):\(port)")
                    continue
                }
                if n < 0 && errno == EINTR { continue }
                let e = String(cString: strerror(errno))
                close()
                throw TransportError.closed("sending to \(host):\(port): \(e)")
            }
        }
    }

    func write(_ bytes: [UInt8], deadline: Double) throws {
        try bytes.withUnsafeBytes { try write([$0], deadline: deadline) }
    }

    /// Reads more bytes into the buffer; throws when the peer has closed.
    private func fill(deadline: Double) throws {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        if start > 1 << 20 {
            buffer.removeFirst(start)
            start = 0
        }
        while true {
            let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n > 0 {
                buffer.append(contentsOf: scratch[0..<n])
                return
            }
            if n == 0 {
                close()
                throw TransportError.closed("\(host):\(port) closed the connection")
            }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                try wait(POLLIN, until: deadline, what: "waiting for \(host):\(port)")
                continue
            }
            if errno == EINTR { continue }
            let e = String(cString: strerror(errno))
            close()
            throw TransportError.closed("reading from \(host):\(port): \(e)")
        }
    }

    /// Bytes up to and including the first occurrence of `delimiter`.
    func readUntil(_ delimiter: [UInt8], limit: Int, deadline: Double) throws -> [UInt8] {
        // Bytes past `start` already searched; relative, because `fill` may compact the buffer.
        var scanned = 0
        while true {
            let available = buffer.count - start
            if available >= delimiter.count {
                let last = buffer.count - delimiter.count
                var i = start + max(0, scanned - delimiter.count + 1)
                while i <= last {
                    if buffer[i] == delimiter[0] && Array(buffer[i..<(i + delimiter.count)]) == delimiter {
                        let out = Array(buffer[start..<(i + delimiter.count)])
                        start = i + delimiter.count
                        return out
                    }
                    i += 1
                }
                scanned = available
            }
            if available > limit { throw TransportError.protocolViolation("no \(delimiter) within \(limit) bytes") }
            try fill(deadline: deadline)
        }
    }

    /// Exactly `count` bytes.
    func read(count: Int, deadline: Double) throws -> [UInt8] {
        while buffer.count - start < count { try fill(deadline: deadline) }
        let out = Array(buffer[start..<(start + count)])
        start += count
        return out
    }

    /// Whether bytes (or a close) are waiting without blocking; used to detect a stale keep-alive connection.
    var hasPendingInputOrClosed: Bool {
        guard fd >= 0 else { return true }
        if start < buffer.count { return true }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0
    }
}

/// Monotonic clock in seconds.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// A parsed `http://` or `ws://` address.
struct Endpoint: Equatable {
    var scheme: String
    var host: String
    var port: Int
    /// Path and query, starting with "/".
    var path: String
    var query: [String: String]

    init(_ string: String, defaultPort: Int) throws {
        guard let c = URLComponents(string: string), let scheme = c.scheme?.lowercased(), let host = c.host, !host.isEmpty else {
            throw PolicySpecError("'\(string)' is not a URL such as http://127.0.0.1:8000/act or ws://127.0.0.1:8000")
        }
        guard ["http", "ws"].contains(scheme) else {
            throw PolicySpecError("'\(string)': scheme '\(scheme)' is not supported (use http:// or ws://; TLS is not implemented)")
        }
        self.scheme = scheme
        self.host = host
        self.port = c.port ?? defaultPort
        self.path = c.path.isEmpty ? "/" : c.path
        var q: [String: String] = [:]
        for item in c.queryItems ?? [] { q[item.name] = item.value ?? "" }
        self.query = q
    }
}
