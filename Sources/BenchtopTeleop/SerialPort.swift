import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A serial port in raw mode (8N1, no flow control), as a servo bus adapter needs: the SO-100/101 leader's
/// Feetech board or a Dynamixel U2D2 (both USB CDC/FTDI serial devices, /dev/ttyACM* or /dev/ttyUSB*).
/// A pseudo-terminal works the same way, which is how the tests emulate a bus.
public final class SerialPort {
    public let path: String
    public let baudRate: Int
    let fd: Int32

    static let speeds: [Int: speed_t] = [
        9600: speed_t(B9600), 19200: speed_t(B19200), 38400: speed_t(B38400), 57600: speed_t(B57600),
        115200: speed_t(B115200), 230400: speed_t(B230400), 460800: speed_t(B460800), 500000: speed_t(B500000),
        576000: speed_t(B576000), 921600: speed_t(B921600), 1_000_000: speed_t(B1000000), 2_000_000: speed_t(B2000000),
        3_000_000: speed_t(B3000000), 4_000_000: speed_t(B4000000),
    ]

    public init(path: String, baudRate: Int) throws {
        guard let speed = Self.speeds[baudRate] else {
            throw TeleopDeviceError(
                "\(path): unsupported baud rate \(baudRate); expected one of \(Self.speeds.keys.sorted().map(String.init).joined(separator: ", "))")
        }
        let fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw TeleopDeviceError(
                "cannot open the serial port \(path): \(reason)"
                    + (errno == EACCES ? " (add yourself to the dialout group: sudo usermod -aG dialout $USER, then log in again)" : ""))
        }
        var t = termios()
        guard tcgetattr(fd, &t) == 0 else {
            close(fd)
            throw TeleopDeviceError("\(path) is not a serial port (tcgetattr: \(String(cString: strerror(errno))))")
        }
        cfmakeraw(&t)
        t.c_cflag |= tcflag_t(CLOCAL) | tcflag_t(CREAD)
        t.c_cflag &= ~(tcflag_t(CSTOPB) | tcflag_t(CRTSCTS))
        cfsetispeed(&t, speed)
        cfsetospeed(&t, speed)
        guard tcsetattr(fd, TCSANOW, &t) == 0 else {
            close(fd)
            throw TeleopDeviceError("\(path): cannot set \(baudRate) baud raw mode: \(String(cString: strerror(errno)))")
        }
        tcflush(fd, TCIOFLUSH)
        self.path = path
        self.baudRate = baudRate
        self.fd = fd
    }

    deinit { close(fd) }

    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR {
                    _ = wait(events: Int16(POLLOUT), milliseconds: 10)
                    continue
                }
                throw TeleopDeviceError("\(path): write failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    /// Discards bytes already received (a late answer to an earlier request).
    public func discardInput() { tcflush(fd, TCIFLUSH) }

    /// Reads exactly `count` bytes, or fails after `timeout` seconds without them.
    public func read(count: Int, timeout: Double) throws -> [UInt8] {
        var out: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while out.count < count {
            let left = deadline.timeIntervalSinceNow
            guard left > 0, wait(events: Int16(POLLIN), milliseconds: Int32(max(1, left * 1000))) else {
                throw TeleopDeviceError(
                    "\(path): no answer from the bus (\(out.count) of \(count) bytes after \(timeout) s); check power, wiring, baud rate (\(baudRate)) and servo ids"
                )
            }
            var chunk = [UInt8](repeating: 0, count: count - out.count)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                out += chunk[0..<n]
            } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                throw TeleopDeviceError("\(path): the serial device went away")
            }
        }
        return out
    }

    private func wait(events: Int16, milliseconds: Int32) -> Bool {
        var p = pollfd(fd: fd, events: events, revents: 0)
        return poll(&p, 1, milliseconds) > 0 && p.revents & events != 0
    }
}
