/// A scene that cannot be loaded: names the file, the key path and what was expected.
public struct SceneError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable {
        case unreadable, syntax, unknownKey, missingKey, wrongType, outOfRange, unknownAsset, unknownName, duplicateName
    }
    public var kind: Kind
    public var file: String
    /// Dotted path to the offending key, e.g. `objects[2].mass`.
    public var keyPath: String
    /// 1-based line in the file, when known.
    public var line: Int?
    public var message: String

    public init(_ kind: Kind, file: String, keyPath: String, line: Int? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.keyPath = keyPath
        self.line = line
        self.message = message
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return keyPath.isEmpty ? "\(location): \(message)" : "\(location): \(keyPath): \(message)"
    }
}
