import BenchtopPolicy
import Foundation
import Testing

@testable import BenchtopRemote

@Suite struct CodecTests {
    @Test func sha1AndTheWebSocketAcceptKey() {
        let hex = SHA1.hash(Array("abc".utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(hex == "a9993e364706816aba3e25717850c26c9cd0d89d")
        // RFC 6455 section 1.3's example.
        let accept = Data(SHA1.hash(Array("dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11".utf8))).base64EncodedString()
        #expect(accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(SHA1.hash(Array(repeating: 0x61, count: 1_000)).count == 20)
    }

    @Test func msgpackRoundTripsEveryType() throws {
        let values: [MsgpackValue] = [
            .nil, .bool(true), .bool(false), .uint(0), .uint(127), .uint(128), .uint(255), .uint(65_535), .uint(65_536), .uint(1 << 40),
            .int(-1), .int(-32), .int(-33), .int(-200), .int(-40_000), .int(-3_000_000_000), .float32(1.5), .float64(-2.25),
            .string(""), .string(String(repeating: "x", count: 31)), .string(String(repeating: "é", count: 200)),
            .string(String(repeating: "y", count: 70_000)),
            .binary([1, 2, 3]), .binary([UInt8](repeating: 7, count: 300)), .binary([UInt8](repeating: 9, count: 70_000)),
            .array((0..<20).map { .uint(UInt64($0)) }), .map([(.string("a"), .nil), (.binary([0x62]), .array([]))]),
            .ext(-1, [1, 2, 3, 4]), .ext(5, [1, 2, 3]),
        ]
        for v in values { #expect(try Msgpack.decode(Msgpack.encode(v)) == v) }
        // Known bytes (as Python's msgpack writes them).
        #expect(Msgpack.encode(.map([(.string("a"), .uint(1))])) == [0x81, 0xA1, 0x61, 0x01])
        #expect(Msgpack.encode(.float64(1.0)) == [0xCB, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0])
        #expect(throws: MsgpackError.self) { try Msgpack.decode([0x92, 0x01]) }
        #expect(throws: MsgpackError.self) { try Msgpack.decode([0xC1]) }
        #expect(throws: MsgpackError.self) { try Msgpack.decode([0x01, 0x02]) }
    }

    @Test func numpyArraysInMsgpackAndJSON() throws {
        let a = MsgpackNumpy.float32([1, -2.5, 3])
        let (v, shape) = try MsgpackNumpy.decode(try Msgpack.decode(Msgpack.encode(a)), field: "x")
        #expect(v == [1, -2.5, 3] && shape == [3])
        let img = MsgpackNumpy.image([1, 2, 3, 4, 5, 6], height: 1, width: 2)
        #expect(try MsgpackNumpy.decode(img, field: "i").shape == [1, 2, 3])
        #expect(throws: PolicyError.self) { try MsgpackNumpy.decode(MsgpackNumpy.array(data: [0, 0], dtype: "<f4", shape: [1]), field: "bad") }
        let j = JSONNumpy.float32([0.5, 2])
        #expect(try JSONNumpy.matrix(try JSONValue.parse(j.bytes), field: "s") == [[0.5, 2]])
        #expect(try JSONNumpy.matrix(try JSONValue.parse(Array("[[1,2],[3,4]]".utf8)), field: "a") == [[1, 2], [3, 4]])
        #expect(throws: PolicyError.self) { try JSONNumpy.matrix(.string("x"), field: "a") }
    }

    @Test func jsonParsesAndWrites() throws {
        let text = #"{"a": [1, 2.5e3, -0.125, true, false, null], "s": "q\"\\\n\u00e9\ud83d\ude00", "o": {}}"#
        let v = try JSONValue.parse(Array(text.utf8))
        #expect(v["a"] == .array([.number(1), .number(2500), .number(-0.125), .bool(true), .bool(false), .null]))
        #expect(v["s"]?.string == "q\"\\\né😀")
        #expect(try JSONValue.parse(v.bytes) == v)
        do {
            _ = try JSONValue.parse(Array("{\"a\": [1,}".utf8))
            Issue.record("expected an error")
        } catch let e as JSONParseError { #expect(e.offset == 9) }
    }

    @Test func policySpecsAreCheckedWithClearErrors() throws {
        func message(_ spec: String, normStats: String? = nil) -> String {
            do {
                _ = try RemotePolicyFactory.make(spec: spec, normStats: normStats)
                return "no error"
            } catch { return "\(error)" }
        }
        #expect(message("pi0").contains("has no '='"))
        #expect(message("gr00t=http://127.0.0.1:1").contains("unknown policy kind 'gr00t'"))
        #expect(message("openpi=http://127.0.0.1:8000").contains("needs a ws:// URL"))
        #expect(message("openpi=ws://127.0.0.1:8000?layout=franka").contains("openpi layout 'franka'"))
        #expect(message("openpi=ws://127.0.0.1:8000?color=red").contains("option 'color' is not known"))
        #expect(message("molmoact=http://127.0.0.1:8000").contains("needs --norm-stats FILE"))
        #expect(message("molmoact=http://127.0.0.1:8000", normStats: "/nonexistent.json").contains("/nonexistent.json: cannot read"))
        #expect(message("molmoact=http://127.0.0.1:8000?normalized=true&prompt=chat").contains("molmoact prompt 'chat'"))
        #expect(message("molmoact2=ws://127.0.0.1:8000/act").contains("needs an http:// URL"))
        #expect(message("molmoact2=http://127.0.0.1:8000/act?embodiment=spot").contains("embodiment 'spot'"))
        #expect(message("molmoact2=http://127.0.0.1:8000/act", normStats: "x.json").contains("apply to molmoact only"))
        #expect(message("openpi=https://example.org").contains("not supported"))
        #expect(RemotePolicyFactory.isRemote("openpi=ws://x:1") && !RemotePolicyFactory.isRemote("builtin"))
        let p = try RemotePolicyFactory.make(spec: "molmoact=http://127.0.0.1:9/v1?normalized=true&prompt=single-image&steps=1")
        #expect((p as? MolmoActPolicy)?.maxImages == 1 && (p as? MolmoActPolicy)?.expectedSteps == 1)
    }
}
