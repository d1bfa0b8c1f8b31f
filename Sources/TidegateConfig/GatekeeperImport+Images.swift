import TidegateJSON
import TidegatePolicy

/// The image templates: allowedrepos, allowedreposv2, disallowedtags (imagedigests needs no
/// parameters).
extension GatekeeperTranslator {
    mutating func allowedRepos(_ value: JSONValue?, parameter: String, wildcards: Bool, _ action: RuleAction) {
        if policy.images.untrustedRegistry != .off {
            note(.broader, "spec.parameters.\(parameter)", "another constraint also lists registries; Tidegate trusts the union of both lists, Gatekeeper requires an image to pass each")
        }
        policy.images.untrustedRegistry = stricter(policy.images.untrustedRegistry, action)
        for (index, entry) in strings(value, parameter: parameter).enumerated() {
            let where_ = "spec.parameters.\(parameter)[\(index)] \"\(entry)\""
            for pattern in registryPatterns(entry, wildcards: wildcards, parameter: where_)
            where !policy.images.trustedRegistries.contains(pattern) {
                policy.images.trustedRegistries.append(pattern)
            }
        }
        if policy.images.trustedRegistries.isEmpty {
            note(.different, "spec.parameters.\(parameter)", "no entry could be read; every image is untrusted")
        }
    }

    /// The registry patterns that admit what a raw-prefix (`repos`) or exact/`*`-prefix
    /// (`allowedImages`) entry was meant to admit, judged on normalised references.
    mutating func registryPatterns(_ entry: String, wildcards: Bool, parameter: String) -> [RegistryPattern] {
        var body = Substring(entry)
        var isPrefix = !wildcards
        if wildcards, body.hasSuffix("*") {
            body = body.dropLast()
            isPrefix = true
        }
        if body.contains("*") {
            note(.unsupported, parameter, "a wildcard other than a trailing * cannot be expressed; entry ignored")
            return []
        }
        let endsAtSegment = body.hasSuffix("/")
        while body.hasSuffix("/") { body = body.dropLast() }
        if body.isEmpty {
            note(.unsupported, parameter, "an empty prefix admits every image; Tidegate cannot trust everything by prefix, entry ignored")
            return []
        }
        // A tag or digest narrows an exact image; trustedRegistries names repositories.
        var narrowed = false
        if let at = body.firstIndex(of: "@") {
            narrowed = true
            note(.broader, parameter, "the digest is dropped: every image of the repository is trusted")
            body = body[..<at]
        }
        let lastSlash = body.lastIndex(of: "/")
        let lastSegment = lastSlash.map { body[body.index(after: $0)...] } ?? body
        if let colon = lastSegment.lastIndex(of: ":"), lastSlash != nil || !lastSegment[lastSegment.index(after: colon)...].allSatisfy(\.isNumber) {
            narrowed = true
            note(.broader, parameter, "the tag \(lastSegment[colon...]) is dropped: every tag of the repository is trusted")
            body = body[..<colon]
        }
        var texts = [String(body)]
        var text: String { texts[0] }
        let firstSegment = text.split(separator: "/", maxSplits: 1).first.map(String.init) ?? text
        let firstIsHost = firstSegment == "localhost" || firstSegment.contains(".") || firstSegment.contains(":")
            || firstSegment.contains(where: \.isUppercase)
        if endsAtSegment, !text.contains("/"), !firstIsHost {
            // `openpolicyagent/` is a Docker Hub namespace, not the official image `openpolicyagent`.
            texts = ["docker.io/\(text)"]
        } else if isPrefix, !endsAtSegment, !narrowed, !text.contains("/"), !firstIsHost {
            // A bare word as a raw prefix admitted both the official image (`nginx:1`) and the
            // Docker Hub namespace (`nginx/x`); both stay, each on segment boundaries.
            texts = [text, "docker.io/\(text)"]
        }
        if isPrefix, !endsAtSegment {
            note(.different, parameter, "matched on whole path segments of the normalised reference, not as a raw prefix: \"\(entry)x\" no longer passes")
        } else if !isPrefix, !narrowed {
            note(.broader, parameter, "an exact image becomes its repository: any tag or digest of \(text) is trusted")
        }
        do {
            var patterns: [RegistryPattern] = []
            for text in texts { patterns.append(try RegistryPattern(text)) }
            return patterns
        } catch {
            note(.unsupported, parameter, "not a registry or repository Tidegate can match (\(error.reason)); entry ignored")
            return []
        }
    }

    mutating func disallowedTags(_ value: JSONValue?, _ action: RuleAction) {
        let tags = strings(value, parameter: "tags")
        policy.images.mutableTag = stricter(policy.images.mutableTag, action)
        for (index, tag) in tags.enumerated() where tag != "latest" {
            note(.unsupported, "spec.parameters.tags[\(index)] \"\(tag)\"",
                 "images.mutableTag denies only untagged and :latest images; this tag is not enforced")
        }
    }
}
