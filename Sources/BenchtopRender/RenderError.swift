/// Why rendering could not start or finish.
public enum RenderError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No EGL display or GL context could be created.
    case contextUnavailable(String)
    /// A shader failed to compile or link (a programming error, reported with the driver's log).
    case shader(stage: String, log: String)
    /// A framebuffer could not be completed at the given size.
    case framebuffer(width: Int, height: Int, status: Int)
    /// A request that cannot be satisfied (unknown camera, bad size).
    case invalidRequest(String)

    public var description: String {
        switch self {
        case .contextUnavailable(let detail): "no OpenGL context: \(detail)"
        case .shader(let stage, let log): "\(stage) shader failed: \(log)"
        case .framebuffer(let w, let h, let status): "framebuffer \(w)x\(h) incomplete (status 0x\(String(status, radix: 16)))"
        case .invalidRequest(let detail): detail
        }
    }
}
