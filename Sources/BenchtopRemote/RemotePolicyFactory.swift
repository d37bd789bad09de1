import BenchtopPolicy
import BenchtopReasoning
import Foundation

/// Builds remote policies from `--policy` specs:
///
/// - `molmoact=http://HOST:PORT[/v1][?model=M&prompt=multi-view&steps=8&on_malformed=official|zero-action|fail&units=auto|metric|robosuite-osc&vocab=vocab.json&trace=x,y;x,y&max_tokens=512&normalized=true]`
/// - `molmoact2=http://HOST:PORT/act[?embodiment=droid|yam|libero&style=action_chunk&num_steps=10]`
/// - `openpi=ws://HOST:PORT[?layout=libero|droid|aloha&actions=raw|robosuite-osc|joint-velocity&api_key=K]`
///
/// Every kind also takes `cameras=slot:camera,...` (which Benchtop camera each image key takes; by default they
/// are matched by name, `CameraSelection`) and the `RemoteSettings` options (`timeout`, `first_timeout`, `retries`,
/// `retry_delay`, `reconnect`, `max_response_mb`), which override `settings`.
///
/// MolmoAct needs `--norm-stats FILE` (the checkpoint's `config.json` or a `dataset_statistics.json`) and, when the
/// file holds several, `--unnorm-key K`.
public enum RemotePolicyFactory {
    /// The kinds of spec this factory understands.
    public static let kinds = ["molmoact", "molmoact2", "openpi"]

    /// Whether `spec` names a remote policy (`kind=...`).
    public static func isRemote(_ spec: String) -> Bool {
        guard let eq = spec.firstIndex(of: "=") else { return false }
        return kinds.contains(String(spec[..<eq]).lowercased())
    }

    public static func make(
        spec: String, normStats: String? = nil, unnormKey: String? = nil, embodiment: String? = nil,
        settings: RemoteSettings = RemoteSettings()
    ) throws -> any Policy {
        guard let eq = spec.firstIndex(of: "=") else {
            throw PolicySpecError("policy spec '\(spec)' has no '=': expected molmoact=URL, molmoact2=URL or openpi=ws://HOST:PORT")
        }
        let kind = String(spec[..<eq]).lowercased()
        let url = String(spec[spec.index(after: eq)...])
        guard !url.isEmpty else { throw PolicySpecError("policy spec '\(spec)' has no URL after '='") }
        let query: [String: String]
        switch kind {
        case "molmoact", "molmoact2": query = try Endpoint(url, defaultPort: 8000).query
        case "openpi": query = try Endpoint(url, defaultPort: 8000).query
        default: throw PolicySpecError("unknown policy kind '\(kind)' in '\(spec)': expected one of \(kinds.joined(separator: ", "))")
        }
        func check(_ allowed: [String]) throws {
            if let bad = query.keys.sorted().first(where: { !allowed.contains($0) }) {
                throw PolicySpecError("\(kind) option '\(bad)' is not known; options: \(allowed.joined(separator: ", "))")
            }
        }
        func int(_ key: String) throws -> Int? {
            guard let v = query[key] else { return nil }
            guard let n = Int(v), n > 0 else { throw PolicySpecError("\(kind) option \(key)=\(v): expected a positive integer") }
            return n
        }
        if kind != "molmoact" && (normStats != nil || unnormKey != nil) {
            throw PolicySpecError("--norm-stats and --unnorm-key apply to molmoact only (\(kind) servers un-normalise themselves)")
        }
        let settings = try settings.applying(query: query, kind: kind)
        let cameras = try query["cameras"].map { try CameraSelection.parse($0, kind: kind) } ?? CameraSelection()
        let common = RemoteSettings.queryOptions + ["cameras"]

        switch kind {
        case "molmoact":
            try check(["model", "prompt", "steps", "on_malformed", "trace", "max_tokens", "normalized", "units", "vocab"] + common)
            var normalization: ActionNormalization?
            if let normStats {
                do { normalization = try ActionNormalization.load(path: normStats, unnormKey: unnormKey) } catch {
                    throw PolicySpecError("--norm-stats: \(error)")
                }
            } else if query["normalized"] != "true" {
                throw PolicySpecError(
                    "molmoact needs --norm-stats FILE (the checkpoint's config.json or dataset_statistics.json) and --unnorm-key K; add ?normalized=true to execute normalised actions"
                )
            }
            if unnormKey != nil && normStats == nil { throw PolicySpecError("--unnorm-key needs --norm-stats FILE") }
            var prompt = MolmoActPrompt.multiView
            if let p = query["prompt"] {
                guard let v = MolmoActPrompt(rawValue: p) else {
                    throw PolicySpecError(
                        "molmoact prompt '\(p)': expected one of \(MolmoActPrompt.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                prompt = v
            }
            var handling = MalformedOutputHandling.official
            if let h = query["on_malformed"] {
                guard let v = MalformedOutputHandling(rawValue: h) else {
                    throw PolicySpecError(
                        "molmoact on_malformed '\(h)': expected one of \(MalformedOutputHandling.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                handling = v
            }
            var units: ActionUnits?
            if let u = query["units"], u != "auto" {
                guard let v = ActionUnits(rawValue: u) else {
                    throw PolicySpecError("molmoact units '\(u)': expected auto, \(ActionUnits.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                units = v
            }
            let policy = try MolmoActPolicy(
                url: url.split(separator: "?").first.map(String.init) ?? url, model: query["model"], prompt: prompt,
                normalization: normalization, settings: settings, onMalformedOutput: handling,
                expectedSteps: try int("steps"), units: units)
            policy.cameras = cameras
            if let v = query["vocab"] {
                do { policy.vocabulary = try Qwen2Vocabulary.load(path: v) } catch { throw PolicySpecError("molmoact vocab=: \(error)") }
            }
            if let m = try int("max_tokens") { policy.maxTokens = m }
            if let t = query["trace"] {
                policy.steeringTrace = try t.split(separator: ";").map { p in
                    let xy = p.split(separator: ",").compactMap { Double($0) }
                    guard xy.count == 2 else { throw PolicySpecError("molmoact trace '\(t)': expected x,y;x,y;... in [0, 255]") }
                    return SIMD2(xy[0], xy[1])
                }
                guard prompt.isSteering else { throw PolicySpecError("molmoact trace= needs prompt=steering-multi-view or steering-single-image") }
            }
            return policy
        case "molmoact2":
            try check(["embodiment", "style", "num_steps"] + common)
            var e: MolmoAct2Embodiment?
            if let name = query["embodiment"] ?? embodiment {
                guard let v = MolmoAct2Embodiment(rawValue: name) ?? MolmoAct2Embodiment(matching: name) else {
                    throw PolicySpecError(
                        "molmoact2 embodiment '\(name)': expected one of \(MolmoAct2Embodiment.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                e = v
            }
            if let s = query["style"], s != "action_chunk", s != "default" {
                throw PolicySpecError("molmoact2 style '\(s)': expected action_chunk or default")
            }
            let policy = try MolmoAct2Policy(
                url: url.split(separator: "?").first.map(String.init) ?? url, embodiment: e,
                settings: settings, statefulChunks: query["style"] == "action_chunk")
            policy.numSteps = try int("num_steps")
            policy.cameras = cameras
            return policy
        default:
            try check(["layout", "api_key", "actions"] + common)
            let e = try Endpoint(url, defaultPort: 8000)
            guard e.scheme == "ws" else { throw PolicySpecError("openpi needs a ws:// URL, got '\(url)'") }
            var layout = OpenPIObservationLayout.libero
            if let l = query["layout"] {
                guard let v = OpenPIObservationLayout(rawValue: l) else {
                    throw PolicySpecError(
                        "openpi layout '\(l)': expected one of \(OpenPIObservationLayout.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                layout = v
            } else if let embodiment, embodiment.lowercased().contains("droid") {
                layout = .droid
            }
            var conversion: OpenPIActionConversion?
            if let a = query["actions"] {
                guard let v = OpenPIActionConversion(rawValue: a) else {
                    throw PolicySpecError(
                        "openpi actions '\(a)': expected one of \(OpenPIActionConversion.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                conversion = v
            }
            let policy = OpenPIPolicy(
                host: e.host, port: e.port, layout: layout, settings: settings, apiKey: query["api_key"],
                actionConversion: conversion)
            policy.cameras = cameras
            return policy
        }
    }
}
