import Testing
import TidegateTestSupport
import TidegateHTTP
@testable import TidegateHTTP1


/// Valid requests the mutations start from, chosen to reach every parser state.
let robustnessSeeds: [[UInt8]] = [
    "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n",
    "POST /validate?timeout=10s HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\":[1,2]}",
    "POST /v HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n4;x=y\r\nabcd\r\n0\r\nT: 1\r\n\r\n",
    "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nHEAD /x HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n",
    "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\nGET http://h/p?q HTTP/1.1\r\nHost: a\r\n\r\n",
].map { Array($0.utf8) }

/// Fragments that tend to cross parser decisions: line ends, separators, framing words.
let interestingFragments: [[UInt8]] = [
    "\r\n", "\n", "\r", ":", " ", "\t", ";", ",", "0", "f", "ffffffffffffffffff", "\u{0}", "\u{7f}", "\u{ff}",
    "Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n", "Expect: 100-continue\r\n",
    "Connection: close\r\n", "\r\n\r\n", "99999999999999999999", " HTTP/1.1\r\n", "HTTP/1.0",
].map { Array($0.utf8) }

func mutate(_ input: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
    var bytes = input
    for _ in 0..<Int.random(in: 1...4, using: &rng) {
        let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
        switch Int.random(in: 0..<6, using: &rng) {
        case 0 where !bytes.isEmpty: bytes[at] = UInt8.random(in: 0...255, using: &rng)
        case 1 where !bytes.isEmpty: bytes.remove(at: at)
        case 2: bytes.insert(contentsOf: interestingFragments.randomElement(using: &rng)!, at: at)
        case 3 where !bytes.isEmpty:
            let end = min(bytes.count, at + Int.random(in: 1...40, using: &rng))
            bytes.insert(contentsOf: Array(bytes[at..<end]), at: end)
        case 4: bytes += robustnessSeeds.randomElement(using: &rng)!
        default: if !bytes.isEmpty { bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &rng) }
        }
    }
    return bytes
}

@Suite struct RobustnessTests {
    static let smallLimits = limits(body: 64, headerBytes: 256, headerCount: 8)

    /// Thousands of mutated requests: the parser never traps, never buffers more than its limits
    /// allow, and reaches the same events however the bytes are split (the property that makes
    /// it safe behind a socket that delivers arbitrary fragments).
    @Test func mutatedRequestsAreHandledConsistentlyWithBoundedBuffering() {
        var rng = SplitMix64(state: 0x7469_6465_6761_7465)
        let bound = Self.smallLimits.maxHeaderBytes + Self.smallLimits.maxBodyBytes
        var outcomes: [String: Int] = [:]
        for _ in 0..<4000 {
            let input = mutate(robustnessSeeds.randomElement(using: &rng)!, using: &rng)
            let whole = parse(input, limits: Self.smallLimits).map(\.summary)

            var parser = HTTP1Parser(limits: Self.smallLimits)
            var pieces: [HTTP1Event] = []
            var start = 0
            while start < input.count {
                let end = min(input.count, start + Int.random(in: 1...9, using: &rng))
                input[start..<end].withUnsafeBytes { parser.parse($0, into: &pieces) }
                #expect(parser.bufferedByteCount <= bound)
                start = end
            }
            #expect(pieces.map(\.summary) == whole, "input: \(String(decoding: input, as: UTF8.self).debugDescription)")
            outcomes[whole.last.map { $0.hasPrefix("error") ? $0 : "request" } ?? "incomplete", default: 0] += 1
        }
        // The mutations must exercise both sides, or this test proves little.
        #expect(outcomes["request", default: 0] > 200)
        #expect(outcomes.keys.filter { $0.hasPrefix("error") }.count >= 4)
    }

    @Test func connectionOutputDoesNotDependOnTheSplit() {
        var rng = SplitMix64(state: 42)
        for _ in 0..<1000 {
            let input = mutate(robustnessSeeds.randomElement(using: &rng)!, using: &rng)
            let whole = converse(input, limits: Self.smallLimits)
            let bytewise = converse(input, chunk: 1, limits: Self.smallLimits)
            #expect(whole.output == bytewise.output)
            #expect(whole.state == bytewise.state)
        }
    }

    @Test func randomBytesNeverProduceARequest() {
        var rng = SplitMix64(state: 7)
        for _ in 0..<1000 {
            let input = (0..<Int.random(in: 1...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let events = parse(input, limits: Self.smallLimits)
            #expect(events.allSatisfy { $0.request == nil })
        }
    }
}
