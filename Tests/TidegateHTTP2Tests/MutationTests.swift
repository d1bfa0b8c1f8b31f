import TidegateTestSupport
import CNGHTTP2
import Testing
import TidegateHTTP
@testable import TidegateHTTP2

@Suite("HTTP/2 robustness against corrupted client byte streams")
struct MutationTests {
    /// A valid client conversation: preface, SETTINGS, a GET, two POSTs with bodies, a PING,
    /// a WINDOW_UPDATE, a reset and a trailer-carrying request.
    static let validStream: [UInt8] = {
        let client = TestClient()
        client.request("GET", "/healthz?x=1", headers: [("accept", "application/json")])
        client.request("POST", "/validate", headers: [("content-type", "application/json")], body: patternBytes(3_000))
        let reset = client.request("POST", "/mutate", body: patternBytes(40_000))
        var bytes = client.output()
        client.reset(reset)
        nghttp2_submit_ping(client.session, 0, nil)
        nghttp2_submit_window_update(client.session, 0, 0, 1_000)
        bytes += client.output()
        client.request("DELETE", "/x")
        bytes += client.output()
        return bytes
    }()

    enum Mutation: CaseIterable { case flip, overwrite, insert, delete, duplicate, truncate }

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Mutation.allCases.randomElement(using: &rng)! {
            case .flip: bytes[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            case .overwrite: bytes[at] = [0x00, 0xFF, 0x7F, 0x80, 0x01, UInt8.random(in: 0...255, using: &rng)].randomElement(using: &rng)!
            case .insert: bytes.insert(contentsOf: (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
            case .delete: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &rng)))
            case .duplicate:
                let end = min(bytes.count, at + Int.random(in: 1...64, using: &rng))
                bytes.insert(contentsOf: bytes[at..<end], at: end)
            case .truncate: bytes.removeSubrange(at...)
            }
        }
        return bytes
    }

    @Test("thousands of mutated client streams never crash, hang or outgrow the limits", arguments: [UInt64(1), 2, 3])
    func mutatedStreams(seed: UInt64) throws {
        var rng = SplitMix64(state: seed)
        var ended = 0
        var served = 0
        for _ in 0..<2_000 {
            let server = try makeServer { $0.maxBodyBytes = 64 * 1024 }
            let bytes = Self.mutate(Self.validStream, &rng)
            var offset = 0
            var output: [UInt8] = []
            while offset < bytes.count {
                // Random read sizes, as a socket would deliver them.
                let end = min(bytes.count, offset + Int.random(in: 1...2_048, using: &rng))
                do { try server.receive(Array(bytes[offset..<end])) } catch { break }
                output.removeAll(keepingCapacity: true)
                server.takeOutput(into: &output)
                #expect(server.bufferedBodyBytes <= server.tuning.maxBufferedBodyBytes)
                #expect(server.openStreamCount <= HTTPLimits().maxConcurrentStreams)
                if server.wantsClose { break }
                offset = end
            }
            if server.wantsClose { ended += 1 }
            served += server.completedStreams
        }
        // The corpus must exercise both outcomes, or the mutations are not reaching the parser.
        #expect(ended > 100)
        #expect(served > 100)
    }
}
