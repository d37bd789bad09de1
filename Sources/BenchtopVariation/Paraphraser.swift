import BenchtopCore

/// Instruction variants from templates: synonyms (level 1), paraphrases (level 2) and a nonsense control (3).
///
/// The nonsense control follows the finding that policies often ignore language (LIBERO-Plus; MolmoAct2 on a
/// nonsense instruction): a policy that scores as well on it as on the real instruction is not reading it.
public enum Paraphraser {
    /// Phrases and their synonyms, longest first so "pick up" wins over "pick".
    static let synonyms: [(String, [String])] = [
        ("pick up", ["grab", "lift", "take", "pick up"]),
        ("put", ["place", "set", "drop", "put"]),
        ("place", ["put", "set", "position", "place"]),
        ("push", ["slide", "shove", "nudge", "push"]),
        ("stack", ["set", "pile", "stack"]),
        ("move", ["shift", "bring", "move"]),
        ("cube", ["block", "box", "cube"]),
        ("block", ["cube", "brick", "block"]),
        ("bowl", ["dish", "basin", "bowl"]),
        ("target", ["goal", "mark", "target"]),
        ("in", ["into", "inside", "in"]),
        ("on", ["onto", "on top of", "on"]),
        ("to", ["over to", "onto", "to"]),
    ]

    static let templates = [
        "please %@", "%@, please", "could you %@?", "your task is to %@", "I need you to %@", "go ahead and %@",
        "can you %@ for me?", "%@ now",
    ]

    static let syllables = ["bl", "zor", "fen", "qua", "mip", "tre", "vosh", "gle", "dra", "nix", "plo", "wum", "sk", "ee", "rab", "tok"]

    public static func vary(_ instruction: String, level: Int, rng: inout SeededRandom) -> String {
        // Draws in a fixed order whatever the level.
        let wordDraws = (0..<16).map { _ in rng.next() }
        let templateDraw = rng.next()
        var nonsenseRNG = rng.fork("nonsense")
        switch level {
        case 0: return instruction
        case 1: return substitute(instruction, draws: wordDraws)
        case 2:
            let t = templates[Int(templateDraw % UInt64(templates.count))]
            return t.replacingOccurrences(of: "%@", with: substitute(instruction, draws: wordDraws))
        default:
            let words = instruction.split(separator: " ").count
            return (0..<max(words, 3)).map { _ -> String in
                let n = 1 + Int(nonsenseRNG.next() % 3)
                return (0..<n).map { _ in syllables[Int(nonsenseRNG.next() % UInt64(syllables.count))] }.joined()
            }.joined(separator: " ")
        }
    }

    /// Replaces each known phrase with a different synonym (the k-th phrase found uses the k-th draw).
    static func substitute(_ instruction: String, draws: [UInt64]) -> String {
        let words = instruction.split(separator: " ").map(String.init)
        var out: [String] = []
        var i = 0
        var k = 0
        while i < words.count {
            var matched = false
            for (phrase, options) in synonyms {
                let parts = phrase.split(separator: " ").map(String.init)
                guard i + parts.count <= words.count, Array(words[i..<(i + parts.count)]).map({ $0.lowercased() }) == parts else { continue }
                let choices = options.filter { $0 != phrase }
                out.append(choices[Int(draws[k % draws.count] % UInt64(choices.count))])
                k += 1
                i += parts.count
                matched = true
                break
            }
            if !matched {
                out.append(words[i])
                i += 1
            }
        }
        return out.joined(separator: " ")
    }
}
