import BenchtopCLI
import EmbodimentKit
import FrankaEmbodiment

// Built-in embodiments are registered explicitly (Swift has no load-time constructors); a third-party
// executable lists its own plugins the same way.
do {
    try EmbodimentRegistry.shared.register(FrankaPlugin.self)
} catch {
    fatalError("built-in embodiment failed to register: \(error)")
}

BenchtopCommand.main()
