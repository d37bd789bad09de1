/// An error reading or writing a dataset, a Parquet file or a video: names the file, where in it (byte offset,
/// column, field) and what was expected.
public struct DatasetError: Error, CustomStringConvertible, Sendable {
    /// The file concerned (a path), or an empty string when no file is involved.
    public let file: String
    /// Where in the file: "byte 1234", "column action", "info.json: features.action.shape", ...
    public let location: String
    /// What is wrong and what was expected.
    public let message: String

    public init(file: String, location: String = "", _ message: String) {
        self.file = file
        self.location = location
        self.message = message
    }

    public var description: String {
        var s = file.isEmpty ? "" : file
        if !location.isEmpty { s += s.isEmpty ? location : " (\(location))" }
        return s.isEmpty ? message : "\(s): \(message)"
    }
}
