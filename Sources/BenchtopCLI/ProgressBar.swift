import Foundation

/// A one-line progress bar on standard error (redrawn in place on a terminal, one line per update otherwise).
final class ProgressBar {
    let total: Int
    let label: String
    private let started = Date()
    private let isTerminal = isatty(2) == 1

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    func update(_ done: Int, note: String = "") {
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let elapsed = Date().timeIntervalSince(started)
        let eta = done == 0 ? 0 : elapsed / Double(done) * Double(total - done)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = String(format: "%@ [%@] %d/%d %@ %.0fs elapsed, %.0fs left", label, bar, done, total, note, elapsed, eta)
        FileHandle.standardError.write(Data((isTerminal ? "\r\u{1B}[K" + line : line + "\n").utf8))
    }

    func finish() { if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) } }
}
