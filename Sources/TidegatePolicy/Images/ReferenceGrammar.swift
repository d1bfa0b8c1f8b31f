/// The component grammars of docker/distribution's `reference` package, as byte scanners.
///
/// Each validator takes the whole input and the byte range of one component, and returns nil
/// when the component is well formed or the error that names what is wrong with it. They run
/// once per container per review, so they scan bytes directly: no regex, no allocation
/// unless there is an error to report.
enum ReferenceGrammar {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    static let slash = UInt8(ascii: "/"), colon = UInt8(ascii: ":"), at = UInt8(ascii: "@")
    static let dot = UInt8(ascii: "."), dash = UInt8(ascii: "-"), underscore = UInt8(ascii: "_")
    static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")

    static func isLowerAlnum(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || isDigit(c) }
    static func isAlnum(_ c: UInt8) -> Bool { isLowerAlnum(c) || isUpper(c) }
    static func isUpper(_ c: UInt8) -> Bool { c >= 0x41 && c <= 0x5A }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isLowerHex(_ c: UInt8) -> Bool { isDigit(c) || (c >= 0x61 && c <= 0x66) }
    static func isHex(_ c: UInt8) -> Bool { isLowerHex(c) || (c >= 0x41 && c <= 0x46) }
    /// `\w` in Go's regexp: ASCII letters, digits and underscore.
    static func isWord(_ c: UInt8) -> Bool { isAlnum(c) || c == underscore }

    static func text(_ b: Bytes, _ r: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
    }

    static func equals(_ b: Bytes, _ r: Range<Int>, _ literal: StaticString) -> Bool {
        guard r.count == literal.utf8CodeUnitCount else { return false }
        let l = literal.utf8Start
        for i in 0..<r.count where b[r.lowerBound + i] != l[i] { return false }
        return true
    }

    static func firstIndex(of c: UInt8, in b: Bytes, _ r: Range<Int>) -> Int? {
        var i = r.lowerBound
        while i < r.upperBound {
            if b[i] == c { return i }
            i += 1
        }
        return nil
    }

    static func describe(_ c: UInt8) -> String {
        c >= 0x21 && c < 0x7F ? "\"\(Character(Unicode.Scalar(c)))\"" : "byte 0x\(String(c, radix: 16, uppercase: true))"
    }

    // MARK: Registry host

    /// `host [":" port]` where host is dot-separated components `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?`
    /// or a bracketed IPv6 address `\[[a-fA-F0-9:]+\]` (no zone, no embedded IPv4), and port is
    /// `[0-9]+`.
    static func registryHostError(_ b: Bytes, _ r: Range<Int>) -> ImageReferenceError? {
        func fail(_ why: String) -> ImageReferenceError {
            ImageReferenceError(.invalidRegistryHost,
                                "invalid reference format: registry host \(quotedExcerpt(text(b, r))) \(why)")
        }
        guard !r.isEmpty else { return fail("is empty") }
        var i = r.lowerBound
        if b[i] == openBracket {
            guard let close = firstIndex(of: closeBracket, in: b, r) else { return fail("has no closing \"]\"") }
            guard close > i + 1 else { return fail("has an empty IPv6 address") }
            for j in (i + 1)..<close where !(isHex(b[j]) || b[j] == colon) {
                return fail("is not a valid IPv6 address: \(describe(b[j])) is not allowed (zone identifiers and embedded IPv4 are not supported)")
            }
            i = close + 1
        } else {
            // Dot-separated components; each starts and ends with a letter or digit.
            var componentStart = i
            while i < r.upperBound, b[i] != colon {
                let c = b[i]
                if c == dot {
                    if i == componentStart { return fail("has an empty name component") }
                    if b[i - 1] == dash { return fail("has a name component ending in \"-\"") }
                    componentStart = i + 1
                } else if c == dash {
                    if i == componentStart { return fail("has a name component starting with \"-\"") }
                } else if !isAlnum(c) {
                    return fail("contains \(describe(c)); host names allow letters, digits, \"-\" and \".\"")
                }
                i += 1
            }
            if i == componentStart { return fail("has an empty name component") }
            if b[i - 1] == dash { return fail("has a name component ending in \"-\"") }
        }
        guard i < r.upperBound else { return nil }
        guard b[i] == colon else { return fail("has \(describe(b[i])) after the IPv6 address") }
        let port = (i + 1)..<r.upperBound
        guard !port.isEmpty else { return fail("has an empty port") }
        for j in port where !isDigit(b[j]) { return fail("has a port that is not a number") }
        return nil
    }

    // MARK: Repository path

    /// `component ("/" component)*`, component = `[a-z0-9]+ (separator [a-z0-9]+)*`,
    /// separator = `.` | `_` | `__` | `-`+.
    static func repositoryPathError(_ b: Bytes, _ r: Range<Int>) -> ImageReferenceError? {
        func fail(_ why: String) -> ImageReferenceError {
            ImageReferenceError(.invalidRepositoryPath, "invalid reference format: repository \(why)")
        }
        guard !r.isEmpty else { return fail("name is empty") }
        var componentStart = r.lowerBound
        var separatorStart: Int? = nil
        var i = r.lowerBound
        while i <= r.upperBound {
            let c = i < r.upperBound ? b[i] : slash
            if c == slash {
                let component = componentStart..<i
                if component.isEmpty {
                    return fail("path \(quotedExcerpt(text(b, r))) has an empty component (\"//\", or a leading or trailing \"/\")")
                }
                if separatorStart != nil {
                    return fail("path component \(quotedExcerpt(text(b, component))) must end with a lowercase letter or digit")
                }
                componentStart = i + 1
            } else if isLowerAlnum(c) {
                if let s = separatorStart {
                    if let bad = separatorError(b, s..<i) { return fail(bad) }
                    separatorStart = nil
                }
            } else if c == dot || c == underscore || c == dash {
                if i == componentStart {
                    let end = firstIndex(of: slash, in: b, i..<r.upperBound) ?? r.upperBound
                    return fail("path component \(quotedExcerpt(text(b, i..<end))) must start with a lowercase letter or digit")
                }
                if separatorStart == nil { separatorStart = i }
            } else if isUpper(c) {
                return fail("path must be lowercase; it contains \(describe(c))")
            } else {
                return fail("path contains \(describe(c)); only lowercase letters, digits, \"/\" and the separators \".\", \"_\", \"__\", \"-\" are allowed")
            }
            i += 1
        }
        return nil
    }

    private static func separatorError(_ b: Bytes, _ r: Range<Int>) -> String? {
        let first = b[r.lowerBound]
        let ok: Bool
        switch first {
        case dash: ok = r.allSatisfy { b[$0] == dash }
        case underscore: ok = r.count <= 2 && r.allSatisfy { b[$0] == underscore }
        default: ok = r.count == 1
        }
        if ok { return nil }
        return "path has the separator \(quotedExcerpt(text(b, r))); between letters and digits only one \".\", one or two \"_\", or any number of \"-\" may appear"
    }

    // MARK: Tag

    /// `[\w][\w.-]{0,127}`.
    static func tagError(_ b: Bytes, _ r: Range<Int>) -> ImageReferenceError? {
        func fail(_ why: String) -> ImageReferenceError {
            ImageReferenceError(.invalidTag, "invalid reference format: tag \(why)")
        }
        guard !r.isEmpty else { return fail("is empty (nothing after \":\")") }
        guard r.count <= 128 else { return fail("is \(r.count) characters long; at most 128 are allowed") }
        guard isWord(b[r.lowerBound]) else {
            return fail("\(quotedExcerpt(text(b, r))) must start with a letter, digit or \"_\"")
        }
        for i in r where !(isWord(b[i]) || b[i] == dot || b[i] == dash) {
            return fail("\(quotedExcerpt(text(b, r))) contains \(describe(b[i])); tags allow letters, digits, \"_\", \".\" and \"-\"")
        }
        return nil
    }

    // MARK: Digest

    /// `algorithm ":" hex`, algorithm = `[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*`;
    /// then, as go-digest validates it: the algorithm must be sha256, sha384 or sha512 and the
    /// hex exactly 64, 96 or 128 lowercase characters.
    static func digestError(_ b: Bytes, _ r: Range<Int>) -> ImageReferenceError? {
        func format(_ why: String) -> ImageReferenceError {
            ImageReferenceError(.invalidDigestFormat, "invalid checksum digest format: \(why)")
        }
        guard let sep = firstIndex(of: colon, in: b, r), sep > r.lowerBound else {
            return format("a digest is algorithm:hex, such as sha256:<64 hexadecimal characters>")
        }
        let algorithm = r.lowerBound..<sep, hex = (sep + 1)..<r.upperBound
        if let bad = algorithmError(b, algorithm) { return format(bad) }
        guard !hex.isEmpty else { return format("nothing follows \"\(text(b, algorithm)):\"") }
        var hasUppercaseHex = false
        for i in hex where !isLowerHex(b[i]) {
            guard isHex(b[i]) else { return format("the digest contains \(describe(b[i])); it must be hexadecimal") }
            hasUppercaseHex = true
        }
        let expected: Int
        if equals(b, algorithm, "sha256") { expected = 64 }
        else if equals(b, algorithm, "sha512") { expected = 128 }
        else if equals(b, algorithm, "sha384") { expected = 96 }
        else {
            return ImageReferenceError(.unsupportedDigestAlgorithm,
                "unsupported digest algorithm \(quotedExcerpt(text(b, algorithm), limit: 32)) (supported: sha256, sha384, sha512)")
        }
        guard hex.count == expected else {
            return ImageReferenceError(.invalidDigestLength,
                "invalid checksum digest length: \(text(b, algorithm)) needs exactly \(expected) hexadecimal characters, found \(hex.count)")
        }
        return hasUppercaseHex ? format("the hexadecimal digits must be lowercase") : nil
    }

    private static func algorithmError(_ b: Bytes, _ r: Range<Int>) -> String? {
        func malformed() -> String { "the algorithm \(quotedExcerpt(text(b, r), limit: 32)) is malformed (letters and digits, starting with a letter, joined by \"+\", \".\", \"_\" or \"-\")" }
        var expectLetter = true
        for i in r {
            let c = b[i]
            if expectLetter {
                guard (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) else { return malformed() }
                expectLetter = false
            } else if c == dash || c == underscore || c == dot || c == UInt8(ascii: "+") {
                expectLetter = true
            } else if !isAlnum(c) {
                return malformed()
            }
        }
        return expectLetter ? malformed() : nil
    }
}
