/// A container image reference, read the way kubelet and containerd read it
/// (docker/distribution's `ParseNormalizedNamed`), so that the policy judges the image that
/// will actually be pulled rather than the string that was written.
///
/// `reference := name [":" tag] ["@" digest]`, `name := [domain "/"] path`.
/// - The first `/`-separated segment is a registry only if it is `localhost`, contains `.` or
///   `:`, or contains an uppercase letter. Otherwise the registry is `docker.io` and the whole
///   name is the path; with no `/` at all the input is always a Docker Hub name, so
///   `localhost` and `example.com:5000` are `docker.io/library/localhost` and
///   `docker.io/library/example.com` tagged `5000`.
/// - `index.docker.io` is rewritten to `docker.io`; on `docker.io` a one-segment path gets
///   `library/`. Nothing else is canonicalised: `registry-1.docker.io`, `docker.io:443` and
///   `Docker.io` stay as written (trust matching decides what they mean, see `RegistryPattern`).
/// - The path (after `library/` is added, without the registry) is at most 255 characters;
///   input that is exactly 64 lowercase hex characters is refused as ambiguous with an image id.
///
/// One deliberate difference: distribution accepts a first segment such as `my_reg.io`, which
/// contains `.` yet is not a valid host, by reading the whole name as a registry-less path —
/// while the runtime still contacts `my_reg.io`. That is refused here as an invalid registry
/// host, so no such image can slip past registry matching.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// The reference as written.
    public let familiar: String
    /// Where each part sits in `familiar`; the parts are cut out only when asked for, so that
    /// checks which only ask "is there a digest?" allocate nothing.
    let spans: ReferenceSpans

    /// The registry host and optional port: `docker.io` when none was written, otherwise as
    /// written (case kept) except `index.docker.io`, which becomes `docker.io`.
    public var domain: String {
        spans.domainIsDockerHubDefault ? "docker.io" : slice(0, spans.domainEnd)
    }
    /// The repository path, with `library/` added for one-segment Docker Hub names.
    public var path: String {
        (spans.addsLibrary ? "library/" : "") + slice(spans.pathStart, spans.pathEnd)
    }
    /// The tag as written (case kept), nil when none was written.
    public var tag: String? { spans.hasTag ? slice(spans.pathEnd + 1, spans.tagEnd) : nil }
    /// `algorithm:hex`, nil when none was written.
    public var digest: String? { spans.hasDigest ? slice(spans.tagEnd + 1, familiar.utf8.count) : nil }
    /// No registry was written: the name silently resolves to Docker Hub.
    public var registryWasImplicit: Bool { spans.registryWasImplicit }

    public var hasTag: Bool { spans.hasTag }
    public var hasDigest: Bool { spans.hasDigest }

    /// `domain/path`.
    public var name: String { assemble(tag: false, digest: false, latestWhenBare: false) }

    /// Fully qualified, keeping the tag and digest as written; `:latest` is made explicit when
    /// neither is written: `docker.io/library/nginx:latest`, `docker.io/library/nginx@sha256:…`,
    /// `docker.io/library/nginx:1.27@sha256:…`.
    public var normalized: String {
        isWrittenNormalized ? familiar : assemble(tag: true, digest: true, latestWhenBare: true)
    }

    /// Whether `familiar` already is the normalised reference: a registry written (and not
    /// `index.docker.io`), no `library/` to add, and a tag or digest written.
    var isWrittenNormalized: Bool {
        !spans.domainIsDockerHubDefault && !spans.addsLibrary && (spans.hasTag || spans.hasDigest)
    }

    /// The normalised parts copied into one String sized once: messages name images on every
    /// review, and concatenating the parts cost ~5k instructions per image (callgrind).
    private func assemble(tag: Bool, digest: Bool, latestWhenBare: Bool) -> String {
        var copy = familiar
        return copy.withUTF8 { bytes in
            // At most `docker.io/` + `library/` + `:latest` more than what was written.
            String(unsafeUninitializedCapacity: bytes.count + 32) { out in
                var at = 0
                func put(_ part: UnsafeBufferPointer<UInt8>) {
                    guard let base = part.baseAddress, !part.isEmpty else { return }
                    (out.baseAddress! + at).update(from: base, count: part.count)
                    at += part.count
                }
                func put(_ literal: StaticString) {
                    put(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
                }
                if spans.domainIsDockerHubDefault {
                    put("docker.io")
                } else {
                    put(UnsafeBufferPointer(rebasing: bytes[0..<spans.domainEnd]))
                }
                put("/")
                if spans.addsLibrary { put("library/") }
                put(UnsafeBufferPointer(rebasing: bytes[spans.pathStart..<spans.pathEnd]))
                if tag && spans.hasTag { put(UnsafeBufferPointer(rebasing: bytes[spans.pathEnd..<spans.tagEnd])) }
                if digest && spans.hasDigest { put(UnsafeBufferPointer(rebasing: bytes[spans.tagEnd...])) }
                if latestWhenBare && !spans.hasTag && !spans.hasDigest { put(":latest") }
                return at
            }
        }
    }

    /// What the runtime pulls: `name@digest` when a digest is written (any tag is ignored),
    /// otherwise `name:tag`, with `latest` for a missing tag.
    public var pullReference: String {
        if let digest { return name + "@" + digest }
        return name + ":" + (tag ?? "latest")
    }

    /// The reference as written with its tag removed: `nginx:1.27@sha256:…` → `nginx@sha256:…`.
    var withoutTag: String {
        let writtenName = slice(0, spans.pathEnd)
        guard let digest else { return writtenName }
        return writtenName + "@" + digest
    }

    /// Neither tag nor digest, or the tag `latest` without a digest: what runs can change
    /// with every pull.
    public var isMutable: Bool {
        guard !spans.hasDigest else { return false }
        guard spans.hasTag else { return true }
        guard spans.tagEnd - spans.pathEnd - 1 == 6 else { return false }
        var copy = familiar
        return copy.withUTF8 { ReferenceGrammar.equals($0, (spans.pathEnd + 1)..<spans.tagEnd, "latest") }
    }

    public var description: String { familiar }

    private func slice(_ from: Int, _ to: Int) -> String {
        let u = familiar.utf8
        return String(decoding: u[u.index(u.startIndex, offsetBy: from)..<u.index(u.startIndex, offsetBy: to)], as: UTF8.self)
    }

    /// Parses and normalises `text`. Never traps; the work is linear in the input.
    public static func parse(_ text: String) throws(ImageReferenceError) -> ImageReference {
        var copy = text
        switch copy.withUTF8({ ReferenceParser(bytes: $0).parse() }) {
        case .failure(let error): throw error
        case .success(let spans): return ImageReference(familiar: text, spans: spans)
        }
    }

    /// Runs `body` on the bytes of the registry host and of the path as written (without any
    /// added `library/`), for matching without building strings.
    func withNameBytes<R>(_ body: (_ domain: UnsafeBufferPointer<UInt8>, _ path: UnsafeBufferPointer<UInt8>) -> R) -> R {
        var copy = familiar
        return copy.withUTF8 { bytes in
            let path = UnsafeBufferPointer(rebasing: bytes[spans.pathStart..<spans.pathEnd])
            if spans.domainIsDockerHubDefault {
                let hub: StaticString = "docker.io"
                return body(UnsafeBufferPointer(start: hub.utf8Start, count: hub.utf8CodeUnitCount), path)
            }
            return body(UnsafeBufferPointer(rebasing: bytes[0..<spans.domainEnd]), path)
        }
    }
}

/// Byte offsets of the parts of a reference inside the text as written:
/// `[domain "/"] path [":" tag] ["@" digest]`.
struct ReferenceSpans: Sendable, Hashable {
    /// End of the written registry host; 0 when none was written.
    var domainEnd = 0
    var registryWasImplicit = true
    /// The host is Docker Hub's by default: none written, or `index.docker.io`.
    var domainIsDockerHubDefault = true
    var addsLibrary = false
    var pathStart = 0
    var pathEnd = 0
    /// End of the tag; equal to `pathEnd` when there is none. The digest starts after it.
    var tagEnd = 0
    var hasTag = false
    var hasDigest = false
}

struct ReferenceParser {
    typealias G = ReferenceGrammar
    static let maxPathLength = 255

    let bytes: UnsafeBufferPointer<UInt8>

    func parse() -> Result<ReferenceSpans, ImageReferenceError> {
        let b = bytes, n = b.count
        guard n > 0 else {
            return .failure(ImageReferenceError(.empty, "invalid reference format: the image reference is empty"))
        }
        if n == 64 && b.allSatisfy(G.isLowerHex) {
            return .failure(ImageReferenceError(.ambiguousImageID,
                "invalid repository name: a 64-character hexadecimal string is ambiguous with an image id; write a repository name"))
        }
        var spans = ReferenceSpans()

        // Registry detection, decided on the first "/"-separated segment of the whole input.
        var firstSlash = -1
        var firstSegmentLooksLikeHost = false
        for i in 0..<n {
            let c = b[i]
            if c == G.slash { firstSlash = i; break }
            if c == G.dot || c == G.colon || G.isUpper(c) { firstSegmentLooksLikeHost = true }
        }
        if firstSlash >= 0 && (firstSegmentLooksLikeHost || G.equals(b, 0..<firstSlash, "localhost")) {
            spans.registryWasImplicit = false
            spans.domainEnd = firstSlash
            spans.domainIsDockerHubDefault = G.equals(b, 0..<firstSlash, "index.docker.io")
            spans.pathStart = firstSlash + 1
        }
        let onDockerHub = spans.domainIsDockerHubDefault || G.equals(b, 0..<spans.domainEnd, "docker.io")

        // One pass over `path [":" tag]` up to "@" (the path holds neither ":" nor "@", the
        // tag no "@"), noting what normalisation needs; the digest is left to its validator.
        var firstColon = -1, tagColon = -1, atSign = -1
        var slashInRemainder = false, upperBeforeFirstColon = false
        var i = spans.pathStart
        while i < n {
            let c = b[i]
            if c == G.colon {
                if firstColon < 0 { firstColon = i; tagColon = i }
            } else if c == G.at {
                atSign = i
                break
            } else if c == G.slash {
                slashInRemainder = true
            } else if firstColon < 0 && G.isUpper(c) {
                upperBeforeFirstColon = true
            }
            i += 1
        }
        if atSign >= 0 && firstColon < 0 {
            // Distribution checks the name for uppercase up to the first ":", which then lies
            // inside the digest (`nginx@SHA256:…`).
            i = atSign + 1
            while i < n && b[i] != G.colon {
                if G.isUpper(b[i]) { upperBeforeFirstColon = true }
                i += 1
            }
            if i < n { firstColon = i }
        }
        spans.addsLibrary = onDockerHub && !slashInRemainder
        spans.pathEnd = tagColon >= 0 ? tagColon : (atSign >= 0 ? atSign : n)
        spans.hasTag = tagColon >= 0
        spans.tagEnd = atSign >= 0 ? atSign : (spans.hasTag ? n : spans.pathEnd)
        spans.hasDigest = atSign >= 0

        // The repository name must be lowercase; checked before the grammar (as distribution
        // does) so the reason names the real problem instead of a generic format error.
        if upperBeforeFirstColon {
            let remote = spans.pathStart..<(firstColon >= 0 ? firstColon : n)
            return .failure(ImageReferenceError(.uppercaseRepository,
                "invalid reference format: repository name must be lowercase (\(quotedExcerpt(G.text(b, remote))))"))
        }
        if !spans.registryWasImplicit && !spans.domainIsDockerHubDefault,
           let error = G.registryHostError(b, 0..<spans.domainEnd) {
            return .failure(error)
        }
        let pathRange = spans.pathStart..<spans.pathEnd
        if let error = G.repositoryPathError(b, pathRange) { return .failure(error) }
        let pathLength = pathRange.count + (spans.addsLibrary ? 8 : 0)
        if pathLength > Self.maxPathLength {
            return .failure(ImageReferenceError(.repositoryNameTooLong,
                "invalid reference format: repository name must not be more than \(Self.maxPathLength) characters (it is \(pathLength))"))
        }
        if spans.hasTag, let error = G.tagError(b, (spans.pathEnd + 1)..<spans.tagEnd) { return .failure(error) }
        if spans.hasDigest, let error = G.digestError(b, (spans.tagEnd + 1)..<n) { return .failure(error) }
        return .success(spans)
    }
}
