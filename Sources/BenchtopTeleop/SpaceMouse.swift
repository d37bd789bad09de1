import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A 3Dconnexion SpaceMouse through spacenavd's native AF_UNIX protocol, spoken directly (as libspnav 1.0's
/// `spnav_open` does; FreeSpacenav/libspnav `src/spnav.c`, `src/proto.h`):
/// - connect to `$SPNAV_SOCKET`, else the `socket = PATH` line of /etc/spnavrc, else /var/run/spnav.sock;
/// - send one int32 `REQ_TAG | REQ_CHANGE_PROTO | 1` (0x7faa5501) and wait up to 300 ms for the int32 answer, whose low
///   byte is the protocol version the daemon agreed to; spacenavd 0.x does not answer and takes the word as a
///   sensitivity, so protocol 0 then sends the float 1.0 to restore it;
/// - then read 32-byte packets of eight native int32: `[type, d0 ... d6]`, type 0 motion (x, y, z, rx, ry, rz,
///   period ms), 1 button press and 2 release (d0 = button number), 3 device change; in protocol 1 a packet whose
///   type carries `REQ_TAG` answers a request and is skipped.
///
/// Axes are spacenavd's: x right, y up, z away from the user (push the cap forward), rotations about those axes
/// (libspnav's cube example reads them so). Full deflection is about 350 counts on current models.
public final class SpaceMouse: Teleoperator {
    public let name = "spacemouse"
    public static let defaultSocket = "/var/run/spnav.sock"
    static let requestTag: Int32 = 0x7faa_0000
    static let changeProtocol: Int32 = 0x5500
    /// Counts at full deflection; readings are divided by this and clamped to -1 ... 1.
    public var fullScale = 350.0
    /// The protocol version agreed with the daemon (0 or 1).
    public private(set) var protocolVersion = 0
    public let socketPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var motion = [Double](repeating: 0, count: 6)
    private var buttons: Set<Int32> = []

    /// Connects to spacenavd. `socket` overrides the search ($SPNAV_SOCKET, /etc/spnavrc, /var/run/spnav.sock).
    public init(socket: String? = nil) throws {
        let path = socket ?? Self.configuredSocket()
        socketPath = path
        fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TeleopDeviceError("spacemouse: socket(): \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw TeleopDeviceError("spacemouse: socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw TeleopDeviceError(
                "spacemouse: cannot connect to spacenavd at \(path): \(reason). Start it (Debian: apt-get install spacenavd; "
                    + "systemctl start spacenavd) or give --spacemouse-socket / SPNAV_SOCKET")
        }
        try handshake()
    }

    deinit { if fd >= 0 { close(fd) } }

    /// The socket libspnav would use: $SPNAV_SOCKET, the `socket = PATH` line of /etc/spnavrc, or the default.
    public static func configuredSocket(environment: [String: String] = ProcessInfo.processInfo.environment, rcFile: String = "/etc/spnavrc")
        -> String
    {
        if let path = environment["SPNAV_SOCKET"], !path.isEmpty { return path }
        if let text = try? String(contentsOfFile: rcFile, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let t = line.trimmingCharacters(in: .whitespaces)
                guard !t.hasPrefix("#"), t.hasPrefix("socket"), let eq = t.firstIndex(of: "=") else { continue }
                let value = t[t.index(after: eq)...].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty { return value }
            }
        }
        return defaultSocket
    }

    private func handshake() throws {
        try send([Self.requestTag | Self.changeProtocol | 1])
        if let answer = try receiveWord(timeoutMilliseconds: 300) {
            protocolVersion = Int(answer & 0xff)
        } else {
            protocolVersion = 0
            var one = Float(1.0)  // an old daemon took our request as a sensitivity: restore 1.0
            try send([withUnsafeBytes(of: &one) { $0.load(as: Int32.self) }])
        }
    }

    private func send(_ words: [Int32]) throws {
        // send with MSG_NOSIGNAL, not write: a daemon that went away must be an error here, not a SIGPIPE that ends the
        // program.
        let written = words.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard written == words.count * 4 else { throw TeleopDeviceError("spacemouse: write to spacenavd failed") }
    }

    private func wait(milliseconds: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, milliseconds) > 0
    }

    private func receiveWord(timeoutMilliseconds: Int32) throws -> Int32? {
        var got: [UInt8] = []
        while got.count < 4 {
            guard wait(milliseconds: timeoutMilliseconds) else { return nil }
            var chunk = [UInt8](repeating: 0, count: 4 - got.count)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw TeleopDeviceError("spacemouse: spacenavd closed the connection") }
            got += chunk[0..<n]
        }
        return got.withUnsafeBytes { $0.load(as: Int32.self) }
    }

    /// Drains every packet waiting on the socket (never blocks) and updates the motion and button state.
    func pump() throws {
        while wait(milliseconds: 0) {
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw TeleopDeviceError("spacemouse: spacenavd closed the connection") }
            buffer += chunk[0..<n]
        }
        while buffer.count >= 32 {
            let words = buffer[0..<32].withUnsafeBytes { raw in (0..<8).map { raw.load(fromByteOffset: $0 * 4, as: Int32.self) } }
            buffer.removeFirst(32)
            if words[0] & Self.requestTag == Self.requestTag { continue }  // an answer to a request
            switch words[0] {
            case 0: motion = (1...6).map { Double(words[$0]) }
            case 1: buttons.insert(words[1])
            case 2: buttons.remove(words[1])
            default: break
            }
        }
    }

    /// The latest motion: a SpaceMouse reports motion only while the cap moves, and a zero packet when it is let go.
    /// Left button (0) closes the gripper while held, right button (1) opens it (robosuite's SpaceMouse has the
    /// left button close and the right one reset).
    public func read() throws -> TeleopCommand {
        try pump()
        var c = TeleopCommand()
        func n(_ v: Double) -> Double { min(max(v / fullScale, -1), 1) }
        // spacenavd (right, up, away) -> operator frame (away, left, up).
        c.translation = SIMD3(n(motion[2]), -n(motion[0]), n(motion[1]))
        c.rotation = SIMD3(n(motion[5]), -n(motion[3]), n(motion[4]))
        if buttons.contains(0) { c.gripper = true }
        if buttons.contains(1) { c.gripper = false }
        return c
    }

    public var heldButtons: Set<Int32> { buttons }

    public func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
    }
}

/// A teleoperation device failed (it is missing, answered wrongly, or its configuration is wrong).
public struct TeleopDeviceError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
