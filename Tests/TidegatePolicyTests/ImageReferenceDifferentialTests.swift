import Testing
import TidegateTestSupport
@testable import TidegatePolicy

/// docker/distribution's `ParseNormalizedNamed`, transcribed with its own regular expressions
/// (regexp.go) and go-digest v1.0.0's validation, as an independent reference for the byte
/// scanner. Slow, and used only here.
enum DistributionOracle {
    struct Parsed: Equatable { var domain: String; var path: String; var tag: String?; var digest: String? }

    static let alnum = "[a-z0-9]+"
    static let separator = "(?:[._]|__|[-]+)"
    static let pathComponent = alnum + "(?:" + separator + alnum + ")*"
    static let remoteName = pathComponent + "(?:/" + pathComponent + ")*"
    static let domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
    static let domainName = domainComponent + "(?:\\." + domainComponent + ")*"
    static let host = "(?:" + domainName + "|\\[(?:[a-fA-F0-9:]+)\\])"
    static let domainAndPort = host + "(?::[0-9]+)?"
    static let tag = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
    static let digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
    static let namePattern = "(?:" + domainAndPort + "/)?" + remoteName

    static func regex(_ pattern: String) -> Regex<AnyRegexOutput> {
        (try! Regex(pattern)).matchingSemantics(.unicodeScalar)
    }

    // Compiled once; only ever read.
    nonisolated(unsafe) static let reference = regex("(" + namePattern + ")(?::(" + tag + "))?(?:@(" + digest + "))?")
    nonisolated(unsafe) static let anchoredName = regex("(?:(" + domainAndPort + ")/)?(" + remoteName + ")")
    nonisolated(unsafe) static let identifier = regex("[a-f0-9]{64}")

    static func parseNormalizedNamed(_ s: String) -> Parsed? {
        if (try? identifier.wholeMatch(in: s)) != nil { return nil }
        let (domain, remainder) = splitDockerDomain(s)
        let remote = remainder.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)[0]
        if remote.lowercased() != remote { return nil }
        let full = domain + "/" + remainder
        guard let m = try? reference.wholeMatch(in: full) else { return nil }
        let name = String(m.output[1].substring!)
        guard let n = try? anchoredName.wholeMatch(in: name) else { return nil }
        let parsed = Parsed(
            domain: n.output[1].substring.map(String.init) ?? "",
            path: String(n.output[2].substring!),
            tag: m.output[2].substring.map(String.init),
            digest: m.output[3].substring.map(String.init))
        if parsed.path.utf8.count > 255 { return nil }
        if let d = parsed.digest {
            let parts = d.split(separator: ":", maxSplits: 1)
            let size = ["sha256": 64, "sha384": 96, "sha512": 128][String(parts[0])]
            guard let size, parts[1].count == size, parts[1].allSatisfy({ "0123456789abcdef".contains($0) }) else { return nil }
        }
        return parsed
    }

    static func splitDockerDomain(_ name: String) -> (String, String) {
        guard let slash = name.firstIndex(of: "/") else { return ("docker.io", "library/" + name) }
        let maybeDomain = String(name[..<slash]), rest = String(name[name.index(after: slash)...])
        var domain: String, remote: String
        if maybeDomain == "localhost" { (domain, remote) = (maybeDomain, rest) }
        else if maybeDomain == "index.docker.io" { (domain, remote) = ("docker.io", rest) }
        else if maybeDomain.contains(where: { $0 == "." || $0 == ":" }) { (domain, remote) = (maybeDomain, rest) }
        else if maybeDomain.lowercased() != maybeDomain { (domain, remote) = (maybeDomain, rest) }
        else { (domain, remote) = ("docker.io", name) }
        if domain == "docker.io" && !remote.contains("/") { remote = "library/" + remote }
        return (domain, remote)
    }
}


enum ReferenceInputs {
    /// Pieces that reach every branch of the grammar when glued together at random.
    static let tokens: [String] = [
        "a", "b", "x", "z", "0", "9", "nginx", "library", "localhost", "docker.io", "index.docker.io",
        "gcr.io", "reg", "A", "F", "Docker", ".", "..", "_", "__", "___", "-", "--", "/", "//", ":", "5000",
        "@", "sha256:", "sha512:", "md5:", "SHA256:", "sha256+b64:", hex64, String(hex64.prefix(32)),
        String(hex64.prefix(63)), hex64.uppercased(), "[", "]", "[::1]", "[fe80::1%eth0]", "%", " ", "é",
        "latest", "v1.2", "\u{0}", "+", "*",
    ]

    static func random(_ rng: inout SplitMix64) -> String {
        var s = ""
        for _ in 0..<(1 + rng.below(10)) { s += tokens[rng.below(tokens.count)] }
        return s
    }

    /// A valid reference with one character replaced, inserted or removed: inputs right at
    /// the edge of the grammar.
    static func mutated(_ rng: inout SplitMix64) -> String {
        let seeds = ImageReferenceParsingTests.valid.map(\.input).filter { $0.count < 120 }
        var chars = Array(seeds[rng.below(seeds.count)].unicodeScalars)
        let alphabet = Array("aZ09._-/:@[]%éA".unicodeScalars)
        let at = rng.below(chars.count + 1)
        switch rng.below(3) {
        case 0 where at < chars.count: chars[at] = alphabet[rng.below(alphabet.count)]
        case 1: chars.insert(alphabet[rng.below(alphabet.count)], at: at)
        default: if at < chars.count { chars.remove(at: at) }
        }
        var s = ""
        s.unicodeScalars.append(contentsOf: chars)
        return s
    }
}

@Suite struct ImageReferenceDifferentialTests {
    /// Accepts and refuses exactly what distribution does, and splits accepted input the same
    /// way, except the one documented difference (a first segment with "." that is not a
    /// valid host, which distribution reads as a registry-less path).
    static func agree(_ input: String) -> Comment? {
        let oracle = DistributionOracle.parseNormalizedNamed(input)
        let mine = Result { () throws(ImageReferenceError) in try ImageReference.parse(input) }
        switch (oracle, mine) {
        case (nil, .failure): return nil
        case (let o?, .failure(let e)) where o.domain.isEmpty && e.kind == .invalidRegistryHost: return nil
        case (let o?, .success(let m)):
            let same = DistributionOracle.Parsed(domain: m.domain, path: m.path, tag: m.tag, digest: m.digest)
            return same == o ? nil : "\(input.debugDescription): distribution \(o), here \(same)"
        case (let o?, .failure(let e)): return "\(input.debugDescription): distribution accepts \(o), here \(e.reason)"
        case (nil, .success(let m)): return "\(input.debugDescription): distribution refuses, here \(m.normalized)"
        }
    }

    @Test("4,000 random token strings: same verdict and split as distribution")
    func randomTokens() {
        var rng = SplitMix64(state: 0x7D1D_E6A7)
        var disagreements: [Comment] = []
        for _ in 0..<4000 {
            if let d = Self.agree(ReferenceInputs.random(&rng)) { disagreements.append(d) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
    }

    @Test("3,000 one-character mutations of valid references: same verdict and split as distribution")
    func mutations() {
        var rng = SplitMix64(state: 0x1A2B_3C4D)
        var disagreements: [Comment] = []
        var accepted = 0
        for _ in 0..<3000 {
            let input = ReferenceInputs.mutated(&rng)
            if (try? ImageReference.parse(input)) != nil { accepted += 1 }
            if let d = Self.agree(input) { disagreements.append(d) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
        // The mutations must land on both sides of the grammar to prove anything.
        #expect(accepted > 300 && accepted < 2700)
    }

    @Test("the table cases agree with distribution too")
    func tables() {
        for c in ImageReferenceParsingTests.valid { #expect(Self.agree(c.input) == nil) }
        for c in ImageReferenceParsingTests.invalid { #expect(Self.agree(c.input) == nil) }
    }

    @Test("huge and hostile inputs end in a verdict, never a trap")
    func hugeInputs() throws {
        let mb = 1 << 20
        let refused = [
            String(repeating: "a", count: mb),
            String(repeating: "/", count: mb),
            String(repeating: ":", count: mb),
            String(repeating: "@", count: mb),
            "nginx:" + String(repeating: "t", count: mb),
            "nginx@sha256:" + String(repeating: "a", count: mb),
            "x/" + String(repeating: "a-", count: mb / 2),
            String(repeating: "[", count: mb) + "/x",
            String(repeating: "é", count: mb),
            String(repeating: "\u{0}", count: mb),
        ]
        for input in refused {
            #expect(throws: ImageReferenceError.self) { try ImageReference.parse(input) }
        }
        // A megabyte-long host is valid grammar (distribution sets no limit on hosts).
        let longHost = String(repeating: "a.", count: mb / 2) + "io/app:1"
        #expect(try ImageReference.parse(longHost).path == "app")
    }
}
