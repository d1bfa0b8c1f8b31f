/// A trusted registry or repository prefix from the policy (`gcr.io`, `docker.io/library`,
/// `*.corp.example.com`, `localhost:5000/team`), normalised like an image reference and matched
/// on whole host and path-segment boundaries, never as a raw string prefix.
///
/// Reading an entry:
/// - `host[/path]`: the first segment is a host when an image reference would take it as one
///   (`localhost`, contains `.` or `:`, or has an uppercase letter). The path is a literal
///   prefix: `docker.io/library` is the official-images namespace, `docker.io/bitnami` the
///   bitnami user, `gcr.io/team` exactly the `team` segment and everything under it.
/// - An entry without a host reads as an image name would: `nginx` is
///   `docker.io/library/nginx` (the image `image: nginx` pulls), `bitnami/redis` is
///   `docker.io/bitnami/redis`. A bare single word therefore names an official image, not a
///   Docker Hub user; write `docker.io/<user>` for a user.
/// - `*.suffix[/path]` trusts every host strictly below `suffix`, at any depth; the apex
///   `suffix` itself is not included (list it separately to trust it).
/// - `index.docker.io` is read as `docker.io`, as the runtime does. No other alias is folded:
///   `registry-1.docker.io`, `docker.io:443` are hosts of their own, so `docker.io/library`
///   does not trust `registry-1.docker.io/library/nginx`; list such spellings explicitly to
///   trust them. This fails closed: an unexpected spelling is denied rather than trusted.
/// - Hosts compare case-insensitively (`Docker.io/library/x` matches `docker.io/library`);
///   ports are part of the host (`localhost:5000` ≠ `localhost`); paths are lowercase by
///   grammar. IPv6 hosts compare textually (`[::1]` ≠ `[0::1]`).
/// - Tags, digests, schemes (`https://`) and wildcards anywhere but a leading `*.` are refused.
public struct RegistryPattern: Sendable, Hashable, CustomStringConvertible {
    /// The entry as written in the policy.
    public let text: String
    /// Lowercase host with optional port; for a wildcard, the suffix after `*.`.
    let host: String
    let isWildcard: Bool
    /// Repository path prefix without leading or trailing `/`; empty trusts the whole host.
    let pathPrefix: String

    public init(_ text: String) throws(RegistryPatternError) {
        self.text = text
        var body = Substring(text)
        func fail(_ why: String) -> RegistryPatternError {
            RegistryPatternError(entry: text, reason: why)
        }
        guard !body.isEmpty else { throw fail("the entry is empty") }
        if body.contains("://") { throw fail("write the registry host without a scheme, such as gcr.io/project") }
        if body.last == "/" { body = body.dropLast() }
        if body.hasPrefix("*.") {
            isWildcard = true
            body = body.dropFirst(2)
        } else {
            isWildcard = false
        }
        if body.contains("*") { throw fail("a wildcard is only allowed as a leading \"*.\" on the host") }
        if body.contains("@") { throw fail("a trusted registry names a registry or repository, not a digest") }

        let slash = body.firstIndex(of: "/")
        let first = body[..<(slash ?? body.endIndex)]
        let firstIsHost = isWildcard || first == "localhost" || first.contains(where: { $0 == "." || $0 == ":" || $0.isUppercase })
        var hostText: Substring
        var pathText: String
        if firstIsHost {
            hostText = first
            pathText = slash.map { String(body[body.index(after: $0)...]) } ?? ""
            if slash != nil && pathText.isEmpty { throw fail("the repository path has an empty component") }
            if hostText == "index.docker.io" { hostText = "docker.io" }
        } else {
            if body.contains(":") { throw fail("a trusted registry names a registry or repository, not a tag") }
            hostText = "docker.io"
            pathText = slash == nil ? "library/" + String(body) : String(body)
        }
        if !hostText.hasPrefix("["), let colon = hostText.lastIndex(of: ":"),
           !hostText[hostText.index(after: colon)...].allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw fail("\"\(hostText[hostText.index(after: colon)...])\" is not a port; a trusted registry names a registry or repository, not a tag")
        }
        if let error = Self.check(String(hostText), ReferenceGrammar.registryHostError) {
            throw fail(error.reason)
        }
        if isWildcard, hostText.hasPrefix("[") { throw fail("a wildcard cannot apply to an IPv6 address") }
        if !pathText.isEmpty {
            if pathText.contains(":") { throw fail("a trusted registry names a registry or repository, not a tag") }
            if let error = Self.check(pathText, ReferenceGrammar.repositoryPathError) { throw fail(error.reason) }
        }
        self.host = Self.asciiLowercased(hostText)
        self.pathPrefix = pathText
    }

    /// For the embedded defaults, whose literals are known to be valid.
    static func builtin(_ text: String) -> RegistryPattern { try! RegistryPattern(text) }

    /// Whether `image` comes from this registry (and repository prefix).
    public func matches(_ image: ImageReference) -> Bool {
        image.withNameBytes { domain, path in matches(domain, path, addsLibrary: image.spans.addsLibrary) }
    }

    /// Whether any of `patterns` matches `image`, reading the image's name once for all of them.
    static func anyMatches(_ patterns: [RegistryPattern], _ image: ImageReference) -> Bool {
        let addsLibrary = image.spans.addsLibrary
        return image.withNameBytes { domain, path in
            patterns.withUnsafeBufferPointer { all in all.contains { $0.matches(domain, path, addsLibrary: addsLibrary) } }
        }
    }

    private func matches(_ domain: UnsafeBufferPointer<UInt8>, _ path: UnsafeBufferPointer<UInt8>, addsLibrary: Bool) -> Bool {
        hostMatches(domain) && pathMatches(path, addsLibrary: addsLibrary)
    }

    private func hostMatches(_ d: UnsafeBufferPointer<UInt8>) -> Bool {
        let h = host.utf8
        if !isWildcard { return d.count == h.count && Self.equalIgnoringCase(d[...], h) }
        // Strictly below the suffix, on a label boundary: `x.corp.example.com`, never
        // `corp.example.com` nor `evilcorp.example.com`.
        guard d.count > h.count + 1, d[d.count - h.count - 1] == UInt8(ascii: ".") else { return false }
        return Self.equalIgnoringCase(d[(d.count - h.count)...], h)
    }

    /// Whole segments only: `gcr.io/team` must not trust `gcr.io/team-evil/x`. The image path
    /// is `library/` (when normalisation adds it) followed by the path as written.
    private func pathMatches(_ written: UnsafeBufferPointer<UInt8>, addsLibrary: Bool) -> Bool {
        let prefix = pathPrefix.utf8
        if prefix.isEmpty { return true }
        let library: StaticString = "library/"
        let libraryCount = addsLibrary ? library.utf8CodeUnitCount : 0
        func byte(_ i: Int) -> UInt8 { i < libraryCount ? library.utf8Start[i] : written[i - libraryCount] }
        let total = libraryCount + written.count
        guard total >= prefix.count else { return false }
        var i = 0
        for c in prefix {
            if byte(i) != c { return false }
            i += 1
        }
        return total == prefix.count || byte(prefix.count) == UInt8(ascii: "/")
    }

    /// The entry as it is matched: `docker.io/library/nginx` for `nginx`.
    public var description: String {
        (isWildcard ? "*." : "") + host + (pathPrefix.isEmpty ? "" : "/" + pathPrefix)
    }

    // Two entries are the same when they trust the same images, however they were written.
    public static func == (a: RegistryPattern, b: RegistryPattern) -> Bool {
        a.host == b.host && a.isWildcard == b.isWildcard && a.pathPrefix == b.pathPrefix
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(host)
        hasher.combine(isWildcard)
        hasher.combine(pathPrefix)
    }

    /// Runs a component grammar on a piece of the entry; the reason loses the image-specific
    /// "invalid reference format: " lead, which would mislead about a policy entry.
    private static func check(
        _ text: String, _ validate: (UnsafeBufferPointer<UInt8>, Range<Int>) -> ImageReferenceError?
    ) -> ImageReferenceError? {
        var copy = text
        guard let error = copy.withUTF8({ validate($0, 0..<$0.count) }) else { return nil }
        let lead = "invalid reference format: "
        guard error.reason.hasPrefix(lead) else { return error }
        return ImageReferenceError(error.kind, String(error.reason.dropFirst(lead.count)))
    }

    private static func asciiLowercased(_ s: Substring) -> String {
        String(decoding: s.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    private static func equalIgnoringCase<A: Collection, B: Collection>(_ a: A, _ b: B) -> Bool
    where A.Element == UInt8, B.Element == UInt8 {
        var j = b.startIndex
        for c in a {
            let lower = c >= 0x41 && c <= 0x5A ? c + 0x20 : c
            if lower != b[j] { return false }
            j = b.index(after: j)
        }
        return true
    }
}

/// A trusted-registry entry that cannot be read, with the entry and why.
public struct RegistryPatternError: Error, Sendable, Equatable, CustomStringConvertible {
    public let entry: String
    public let reason: String

    public var description: String { "trusted registry \(quotedExcerpt(entry)): \(reason)" }
}
