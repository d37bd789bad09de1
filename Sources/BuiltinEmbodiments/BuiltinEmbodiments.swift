import EmbodimentKit
import FrankaEmbodiment
import SOEmbodiment
import YAMEmbodiment

/// The embodiments every Benchtop executable ships with. Registered explicitly (Swift has no load-time
/// constructors); a third-party executable lists its own plugins the same way.
public enum BuiltinEmbodiments {
    public static let plugins: [any EmbodimentPlugin.Type] = [FrankaPlugin.self, YAMPlugin.self, SOPlugin.self]

    /// Registers every built-in plugin; a failure is a programming error in the plugin, so it stops the program.
    public static func register(in registry: EmbodimentRegistry = .shared) {
        for plugin in plugins {
            do { try registry.register(plugin) } catch { fatalError("built-in embodiment \(plugin) failed to register: \(error)") }
        }
    }
}
