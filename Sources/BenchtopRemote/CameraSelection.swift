import BenchtopPolicy

/// What a camera slot of a server's layout expects, matched against the embodiment's camera names.
public enum CameraRole: String, Sendable, CaseIterable {
    /// The main third-person view: a camera named `primary`, else the first camera that is not a wrist camera
    /// (`primary`, `exterior_image_1_left`, `top`, `front`).
    case primary
    /// The second third-person view (`exterior_image_2_left`).
    case secondaryExterior = "secondary"
    /// The (first) wrist camera: the only one, or the left arm's (`wrist`, `wrist_image_left`, `left_wrist`).
    case wrist
    /// The left arm's wrist camera; a one-armed robot's only wrist camera.
    case leftWrist = "left_wrist"
    /// The right arm's wrist camera.
    case rightWrist = "right_wrist"
}

/// One image a protocol layout sends: its key (e.g. `wrist_cam`, `observation/wrist_image_left`) and role.
public struct CameraSlot: Sendable, Equatable {
    public var key: String
    public var role: CameraRole
    /// A missing optional camera is left out (openpi's ALOHA inputs fill absent wrist views with zeros).
    public var required: Bool
    public init(_ key: String, _ role: CameraRole, required: Bool = true) {
        self.key = key
        self.role = role
        self.required = required
    }
}

/// Maps a layout's camera slots to the observation's cameras by name, never by position: an embodiment's camera
/// order (franka_droid: exterior 1, exterior 2, wrist) need not be the server's. A slot takes, in order: the camera
/// named in `overrides` (`cameras=wrist_cam:wrist_image_left,...` in the policy URL), a camera whose name equals the
/// key's last path component, then the camera its role names (see `CameraRole`).
public struct CameraSelection: Sendable, Equatable {
    /// Slot key (or role name) -> camera name.
    public var overrides: [String: String]
    public init(overrides: [String: String] = [:]) { self.overrides = overrides }

    /// Parses `key:camera,key:camera`.
    public static func parse(_ text: String, kind: String) throws -> CameraSelection {
        var o: [String: String] = [:]
        for part in text.split(separator: ",") {
            let kv = part.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty else {
                throw PolicySpecError(
                    "\(kind) cameras='\(text)': expected slot:camera pairs such as wrist_cam:wrist_image_left,external_cam:exterior_image_2_left")
            }
            o[kv[0]] = kv[1]
        }
        return CameraSelection(overrides: o)
    }

    static func isWrist(_ name: String) -> Bool {
        let n = name.lowercased()
        return n.contains("wrist") || n.contains("hand")
    }

    /// The index of the camera a role names among `names`, or nil.
    public static func index(of role: CameraRole, in names: [String]) -> Int? {
        let lower = names.map { $0.lowercased() }
        let exterior = names.indices.filter { !isWrist(names[$0]) }
        let wrists = names.indices.filter { isWrist(names[$0]) }
        func side(_ i: Int, _ s: String) -> Bool { lower[i].contains(s) }
        switch role {
        case .primary:
            return lower.firstIndex(of: "primary") ?? exterior.first
        case .secondaryExterior:
            let p = lower.firstIndex(of: "primary") ?? exterior.first
            return exterior.first { $0 != p }
        case .wrist:
            if wrists.count == 1 { return wrists[0] }
            return wrists.first { side($0, "left") && !side($0, "right") } ?? wrists.first
        case .leftWrist:
            if wrists.count == 1 { return side(wrists[0], "right") ? nil : wrists[0] }
            return wrists.first { side($0, "left") && !side($0, "right") }
        case .rightWrist:
            return wrists.first { side($0, "right") }
        }
    }

    /// The images for `slots`, by name; throws naming the slot, the cameras there are and the override to use.
    public func images(for slots: [CameraSlot], in observation: Observation, client: String) throws -> [(key: String, image: CameraImage)] {
        let names = observation.images.map(\.name)
        var out: [(key: String, image: CameraImage)] = []
        for slot in slots {
            let leaf = String(slot.key.split(separator: "/").last ?? Substring(slot.key))
            var index: Int?
            if let wanted = overrides[slot.key] ?? overrides[leaf] ?? overrides[slot.role.rawValue] {
                guard let i = names.firstIndex(of: wanted) else {
                    throw PolicyError.invalidAction(
                        "\(client): cameras= maps \(slot.key) to '\(wanted)', which the observation lacks (cameras: \(names.joined(separator: ", ")))"
                    )
                }
                index = i
            } else {
                index = names.firstIndex(of: leaf) ?? Self.index(of: slot.role, in: names)
            }
            guard let i = index else {
                if !slot.required { continue }
                throw PolicyError.invalidAction(
                    "\(client): no camera for \(slot.key) (\(slot.role.rawValue)); the observation has \(names.isEmpty ? "no images" : names.joined(separator: ", ")); map one with cameras=\(leaf):NAME in the policy URL"
                )
            }
            out.append((slot.key, observation.images[i]))
        }
        return out
    }
}
