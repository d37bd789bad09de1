import BenchtopTeleop
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A fake spacenavd: an AF_UNIX stream socket that speaks the daemon's side of the protocol (libspnav `src/proto.h`).
final class FakeSpacenavd: @unchecked Sendable {
    let path: String
    private let listener: Int32
    private var client: Int32 = -1
    /// The first word the client sent, and what followed it.
    private(set) var received: [Int32] = []

    init(answerProtocol: Int32?) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("spnav-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock").path
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(listener, 1) == 0 else { throw TeleopDeviceError("fake spacenavd: bind/listen failed") }
        let ready = DispatchSemaphore(value: 0)
        Thread { [self] in
            client = accept(listener, nil, nil)
            var word: Int32 = 0
            _ = Glibc.read(client, &word, 4)
            received.append(word)
            if let answerProtocol {
                var answer = Int32(0x7faa_0000) | 0x5500 | answerProtocol
                _ = Glibc.send(client, &answer, 4, Int32(MSG_NOSIGNAL))
            } else {
                // An old daemon does not answer; libspnav then restores the sensitivity with a float 1.0.
                var more: Int32 = 0
                _ = Glibc.read(client, &more, 4)
                received.append(more)
            }
            ready.signal()
        }.start()
        self.ready = ready
    }
    private var ready: DispatchSemaphore!

    func waitForHandshake() { ready.wait() }
    /// False when no client connected and finished the handshake in time.
    func waitForHandshake(seconds: Double) -> Bool { ready.wait(timeout: .now() + seconds) == .success }

    /// One event; MSG_NOSIGNAL because the client (a `benchtop record` child) may have exited already, and a
    /// SIGPIPE would end the whole test process (seen once: signal 13 in make test).
    func send(_ words: [Int32]) {
        precondition(words.count == 8)
        _ = words.withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    deinit {
        if client >= 0 { close(client) }
        close(listener)
        unlink(path)
    }
}

@Suite struct SpaceMouseProtocolTests {
    @Test func protocolOneHandshakeThenMotionAndButtonsBecomeOperatorCommands() throws {
        let daemon = try FakeSpacenavd(answerProtocol: 1)
        let mouse = try SpaceMouse(socket: daemon.path)
        daemon.waitForHandshake()
        #expect(daemon.received == [0x7faa_5501])
        #expect(mouse.protocolVersion == 1)
        // Push the cap forward (z +350) and to the right (x +175), twist it (ry +350); press the left button.
        daemon.send([0, 175, 0, 350, 0, 350, 0, 16])
        // An answer to a request (REQ_TAG set) in between must be skipped, not read as motion.
        daemon.send([0x7faa_1001, 9, 9, 9, 9, 9, 9, 0])
        daemon.send([1, 0, 0, 0, 0, 0, 0, 0])
        var c = TeleopCommand()
        for _ in 0..<200 where c.gripper == nil {
            c = try mouse.read()
            if c.gripper == nil { usleep(5000) }
        }
        #expect(c.translation == SIMD3(1, -0.5, 0), "forward = away from the viewer, right = -left")
        #expect(c.rotation == SIMD3(0, 0, 1))
        #expect(c.gripper == true)
        daemon.send([2, 0, 0, 0, 0, 0, 0, 0])  // release
        daemon.send([0, 0, 0, 0, 0, 0, 0, 16])  // the cap let go
        for _ in 0..<200 where !mouse.heldButtons.isEmpty || c.translation != .zero {
            c = try mouse.read()
            usleep(5000)
        }
        #expect(c.translation == .zero && c.gripper == nil)
    }

    @Test func anOldDaemonWithoutAnswerGetsItsSensitivityRestored() throws {
        let daemon = try FakeSpacenavd(answerProtocol: nil)
        let mouse = try SpaceMouse(socket: daemon.path)
        daemon.waitForHandshake()
        #expect(mouse.protocolVersion == 0)
        var one = Float(1)
        #expect(daemon.received == [0x7faa_5501, withUnsafeBytes(of: &one) { $0.load(as: Int32.self) }])
    }

    @Test func aMissingDaemonIsAClearErrorAndTheSocketIsFoundLikeLibspnav() throws {
        #expect(throws: TeleopDeviceError.self) { _ = try SpaceMouse(socket: "/nonexistent/spnav.sock") }
        do { _ = try SpaceMouse(socket: "/nonexistent/spnav.sock") } catch {
            #expect("\(error)".contains("spacenavd"))
        }
        let rc = FileManager.default.temporaryDirectory.appendingPathComponent("spnavrc-\(getpid())").path
        try "# comment\nsensitivity = 1.0\nsocket = /run/custom.sock\n".write(toFile: rc, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: rc) }
        #expect(SpaceMouse.configuredSocket(environment: [:], rcFile: rc) == "/run/custom.sock")
        #expect(SpaceMouse.configuredSocket(environment: ["SPNAV_SOCKET": "/tmp/s"], rcFile: rc) == "/tmp/s")
        #expect(SpaceMouse.configuredSocket(environment: [:], rcFile: "/nonexistent") == "/var/run/spnav.sock")
    }
}
