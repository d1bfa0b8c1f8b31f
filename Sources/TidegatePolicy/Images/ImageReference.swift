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
    /// The registry host and optional port: `docker.io` when none was written, otherwise as
    /// written (case kept) except `index.docker.io`, which becomes `docker.io`.
    public let domain: String
    /// The repository path, with `library/` added for one-segment Docker Hub names.
    public let path: String
    /// The tag as written (case kept), nil when none was written.
    public let tag: String?
    /// `algorithm:hex`, nil when none was written.
    public let digest: String?
    /// No registry was written: the name silently resolves to Docker Hub.
    public let registryWasImplicit: Bool
    /// Length in bytes of the name as written (registry and path, no tag or digest).
    let writtenNameLength: Int

    /// `domain/path`.
    public var name: String { domain + "/" + path }

    /// Fully qualified, keeping the tag and digest as written; `:latest` is made explicit when
    /// neither is written: `docker.io/library/nginx:latest`, `docker.io/library/nginx@sha256:…`,
    /// `docker.io/library/nginx:1.27@sha256:…`.
    public var normalized: String {
        var out = name
        if let tag { out += ":" + tag }
        if let digest { out += "@" + digest }
        if tag == nil && digest == nil { out += ":latest" }
        return out
    }

    /// What the runtime pulls: `name@digest` when a digest is written (any tag is ignored),
    /// otherwise `name:tag`, with `latest` for a missing tag.
    public var pullReference: String {
        if let digest { return name + "@" + digest }
        return name + ":" + (tag ?? "latest")
    }

    /// The reference as written with its tag removed: `nginx:1.27@sha256:…` → `nginx@sha256:…`.
    var withoutTag: String {
        let writtenName = String(decoding: familiar.utf8.prefix(writtenNameLength), as: UTF8.self)
        guard let digest else { return writtenName }
        return writtenName + "@" + digest
    }

    /// Neither tag nor digest, or the tag `latest` without a digest: what runs can change
    /// with every pull.
    public var isMutable: Bool { digest == nil && (tag == nil || tag == "latest") }

    public var description: String { familiar }

    /// Parses and normalises `text`. Never traps; the work is linear in the input.
    public static func parse(_ text: String) throws(ImageReferenceError) -> ImageReference {
        var copy = text
        let result = copy.withUTF8 { bytes in ReferenceParser(bytes: bytes).parse() }
        switch result {
        case .failure(let error): throw error
        case .success(let parts):
            return ImageReference(
                familiar: text, domain: parts.domain, path: parts.path, tag: parts.tag, digest: parts.digest,
                registryWasImplicit: parts.registryWasImplicit, writtenNameLength: parts.writtenNameLength)
        }
    }
}

/// The pieces `ImageReference.parse` extracts, decided over the raw bytes.
struct ReferenceParts {
    var domain: String
    var path: String
    var tag: String?
    var digest: String?
    var registryWasImplicit: Bool
    var writtenNameLength: Int
}

struct ReferenceParser {
    typealias G = ReferenceGrammar
    static let maxPathLength = 255

    let bytes: UnsafeBufferPointer<UInt8>

    func parse() -> Result<ReferenceParts, ImageReferenceError> {
        let b = bytes, n = b.count
        guard n > 0 else {
            return .failure(ImageReferenceError(.empty, "invalid reference format: the image reference is empty"))
        }
        if n == 64 && b.allSatisfy(G.isLowerHex) {
            return .failure(ImageReferenceError(.ambiguousImageID,
                "invalid repository name: a 64-character hexadecimal string is ambiguous with an image id; write a repository name"))
        }

        // Registry detection, decided on the first "/"-separated segment of the whole input.
        var domainRange: Range<Int>? = nil
        var isLegacyIndex = false
        var remainder = 0..<n
        if let slash = G.firstIndex(of: G.slash, in: b, 0..<n) {
            let first = 0..<slash
            if G.equals(b, first, "localhost") || G.equals(b, first, "index.docker.io") || first.contains(where: {
                b[$0] == G.dot || b[$0] == G.colon || G.isUpper(b[$0])
            }) {
                domainRange = first
                isLegacyIndex = G.equals(b, first, "index.docker.io")
                remainder = (slash + 1)..<n
            }
        }
        let onDockerHub = domainRange == nil || isLegacyIndex || G.equals(b, domainRange!, "docker.io")
        let addsLibrary = onDockerHub && G.firstIndex(of: G.slash, in: b, remainder) == nil

        // The repository name must be lowercase; checked before the grammar so the reason
        // names the real problem instead of a generic format error.
        let remote = remainder.lowerBound..<(G.firstIndex(of: G.colon, in: b, remainder) ?? remainder.upperBound)
        if remote.contains(where: { G.isUpper(b[$0]) }) {
            return .failure(ImageReferenceError(.uppercaseRepository,
                "invalid reference format: repository name must be lowercase (\(quotedExcerpt(G.text(b, remote))))"))
        }

        // name [":" tag] ["@" digest]: the path holds neither ":" nor "@", the tag no "@".
        let atSign = G.firstIndex(of: G.at, in: b, remainder)
        let beforeDigest = remainder.lowerBound..<(atSign ?? remainder.upperBound)
        let tagColon = G.firstIndex(of: G.colon, in: b, beforeDigest)
        let pathRange = beforeDigest.lowerBound..<(tagColon ?? beforeDigest.upperBound)

        if let domainRange, !isLegacyIndex, let error = G.registryHostError(b, domainRange) { return .failure(error) }
        if let error = G.repositoryPathError(b, pathRange) { return .failure(error) }
        let pathLength = pathRange.count + (addsLibrary ? 8 : 0)
        if pathLength > Self.maxPathLength {
            return .failure(ImageReferenceError(.repositoryNameTooLong,
                "invalid reference format: repository name must not be more than \(Self.maxPathLength) characters (it is \(pathLength))"))
        }
        var tagRange: Range<Int>? = nil
        if let tagColon {
            let r = (tagColon + 1)..<beforeDigest.upperBound
            if let error = G.tagError(b, r) { return .failure(error) }
            tagRange = r
        }
        var digestRange: Range<Int>? = nil
        if let atSign {
            let r = (atSign + 1)..<n
            if let error = G.digestError(b, r) { return .failure(error) }
            digestRange = r
        }

        let domain = (domainRange == nil || isLegacyIndex) ? "docker.io" : G.text(b, domainRange!)
        let path = addsLibrary ? "library/" + G.text(b, pathRange) : G.text(b, pathRange)
        return .success(ReferenceParts(
            domain: domain, path: path,
            tag: tagRange.map { G.text(b, $0) }, digest: digestRange.map { G.text(b, $0) },
            registryWasImplicit: domainRange == nil, writtenNameLength: pathRange.upperBound))
    }
}
