import Testing
@testable import TidegatePolicy

let hex64 = "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"
let sha256Digest = "sha256:" + hex64

/// One accepted reference and what it must normalise to.
struct ValidReferenceCase: Sendable, CustomTestStringConvertible {
    let input: String
    let domain: String
    let path: String
    var tag: String? = nil
    var digest: String? = nil
    var implicit = false
    let normalized: String
    var testDescription: String { input.count > 60 ? String(input.prefix(60)) + "…" : input }
}

/// One refused reference, the kind of error it must raise, and a word its reason must contain.
struct InvalidReferenceCase: Sendable, CustomTestStringConvertible {
    let input: String
    let kind: ImageReferenceError.Kind
    let reasonMentions: String
    var testDescription: String { input.count > 60 ? String(input.prefix(60)) + "…" : (input.isEmpty ? "<empty>" : input) }
}

@Suite struct ImageReferenceParsingTests {
    static let valid: [ValidReferenceCase] = [
        // Docker Hub names and the library/ rule
        .init(input: "nginx", domain: "docker.io", path: "library/nginx", implicit: true,
              normalized: "docker.io/library/nginx:latest"),
        .init(input: "nginx:1.27", domain: "docker.io", path: "library/nginx", tag: "1.27", implicit: true,
              normalized: "docker.io/library/nginx:1.27"),
        .init(input: "library/nginx", domain: "docker.io", path: "library/nginx", implicit: true,
              normalized: "docker.io/library/nginx:latest"),
        .init(input: "bitnami/redis:7", domain: "docker.io", path: "bitnami/redis", tag: "7", implicit: true,
              normalized: "docker.io/bitnami/redis:7"),
        .init(input: "docker.io/nginx", domain: "docker.io", path: "library/nginx",
              normalized: "docker.io/library/nginx:latest"),
        .init(input: "docker.io/library/nginx", domain: "docker.io", path: "library/nginx",
              normalized: "docker.io/library/nginx:latest"),
        .init(input: "index.docker.io/nginx", domain: "docker.io", path: "library/nginx",
              normalized: "docker.io/library/nginx:latest"),
        .init(input: "index.docker.io/team/app", domain: "docker.io", path: "team/app",
              normalized: "docker.io/team/app:latest"),
        .init(input: "library/foo/bar", domain: "docker.io", path: "library/foo/bar", implicit: true,
              normalized: "docker.io/library/foo/bar:latest"),
        // Registry detection: localhost, ".", ":", uppercase
        .init(input: "localhost/x", domain: "localhost", path: "x", normalized: "localhost/x:latest"),
        .init(input: "localhost:5000/x", domain: "localhost:5000", path: "x", normalized: "localhost:5000/x:latest"),
        .init(input: "localhost", domain: "docker.io", path: "library/localhost", implicit: true,
              normalized: "docker.io/library/localhost:latest"),
        .init(input: "example.com:5000", domain: "docker.io", path: "library/example.com", tag: "5000", implicit: true,
              normalized: "docker.io/library/example.com:5000"),
        .init(input: "reg:5000/app", domain: "reg:5000", path: "app", normalized: "reg:5000/app:latest"),
        .init(input: "test-com:8080/foo", domain: "test-com:8080", path: "foo", normalized: "test-com:8080/foo:latest"),
        .init(input: "test_com/foo", domain: "docker.io", path: "test_com/foo", implicit: true,
              normalized: "docker.io/test_com/foo:latest"),
        .init(input: "Docker.io/x", domain: "Docker.io", path: "x", normalized: "Docker.io/x:latest"),
        .init(input: "Foo/bar", domain: "Foo", path: "bar", normalized: "Foo/bar:latest"),
        .init(input: "registry-1.docker.io/x", domain: "registry-1.docker.io", path: "x",
              normalized: "registry-1.docker.io/x:latest"),
        .init(input: "docker.io:443/x", domain: "docker.io:443", path: "x", normalized: "docker.io:443/x:latest"),
        .init(input: "xn--n3h.com:18080/foo", domain: "xn--n3h.com:18080", path: "foo",
              normalized: "xn--n3h.com:18080/foo:latest"),
        .init(input: "192.168.0.1:8/debian", domain: "192.168.0.1:8", path: "debian",
              normalized: "192.168.0.1:8/debian:latest"),
        .init(input: "[::1]:5000/x", domain: "[::1]:5000", path: "x", normalized: "[::1]:5000/x:latest"),
        .init(input: "[fc00:1:2:3:4:5:6:7]/library/debian", domain: "[fc00:1:2:3:4:5:6:7]", path: "library/debian",
              normalized: "[fc00:1:2:3:4:5:6:7]/library/debian:latest"),
        .init(input: "registry.k8s.io/pause:3.9", domain: "registry.k8s.io", path: "pause", tag: "3.9",
              normalized: "registry.k8s.io/pause:3.9"),
        // Path separators
        .init(input: "a__b", domain: "docker.io", path: "library/a__b", implicit: true,
              normalized: "docker.io/library/a__b:latest"),
        .init(input: "docker---rules/docker", domain: "docker.io", path: "docker---rules/docker", implicit: true,
              normalized: "docker.io/docker---rules/docker:latest"),
        .init(input: "x/a.b_c-d/e", domain: "docker.io", path: "x/a.b_c-d/e", implicit: true,
              normalized: "docker.io/x/a.b_c-d/e:latest"),
        // Tags and digests
        .init(input: "nginx:Latest_1.x-Y", domain: "docker.io", path: "library/nginx", tag: "Latest_1.x-Y", implicit: true,
              normalized: "docker.io/library/nginx:Latest_1.x-Y"),
        .init(input: "nginx:_x", domain: "docker.io", path: "library/nginx", tag: "_x", implicit: true,
              normalized: "docker.io/library/nginx:_x"),
        .init(input: "nginx@" + sha256Digest, domain: "docker.io", path: "library/nginx", digest: sha256Digest,
              implicit: true, normalized: "docker.io/library/nginx@" + sha256Digest),
        .init(input: "nginx:1.27@" + sha256Digest, domain: "docker.io", path: "library/nginx", tag: "1.27",
              digest: sha256Digest, implicit: true, normalized: "docker.io/library/nginx:1.27@" + sha256Digest),
        .init(input: "reg:5000/app:v1@" + sha256Digest, domain: "reg:5000", path: "app", tag: "v1",
              digest: sha256Digest, normalized: "reg:5000/app:v1@" + sha256Digest),
        .init(input: "gcr.io/p/app@sha384:" + String(repeating: "0a1", count: 32), domain: "gcr.io", path: "p/app",
              digest: "sha384:" + String(repeating: "0a1", count: 32),
              normalized: "gcr.io/p/app@sha384:" + String(repeating: "0a1", count: 32)),
        .init(input: "gcr.io/p/app@sha512:" + String(repeating: "f0", count: 64), domain: "gcr.io", path: "p/app",
              digest: "sha512:" + String(repeating: "f0", count: 64),
              normalized: "gcr.io/p/app@sha512:" + String(repeating: "f0", count: 64)),
        // Hex that is not exactly a 64-character id is a name; with a registry it is a name too.
        .init(input: String(hex64.dropLast()), domain: "docker.io", path: "library/" + String(hex64.dropLast()),
              implicit: true, normalized: "docker.io/library/\(hex64.dropLast()):latest"),
        .init(input: "docker.io/" + hex64, domain: "docker.io", path: "library/" + hex64,
              normalized: "docker.io/library/\(hex64):latest"),
        // Limits: tag of 128, path of 255 (measured without the registry, after library/)
        .init(input: "nginx:" + String(repeating: "t", count: 128), domain: "docker.io", path: "library/nginx",
              tag: String(repeating: "t", count: 128), implicit: true,
              normalized: "docker.io/library/nginx:" + String(repeating: "t", count: 128)),
        .init(input: "gcr.io/" + String(repeating: "p", count: 255), domain: "gcr.io", path: String(repeating: "p", count: 255),
              normalized: "gcr.io/\(String(repeating: "p", count: 255)):latest"),
        .init(input: String(repeating: "n", count: 247), domain: "docker.io", path: "library/" + String(repeating: "n", count: 247),
              implicit: true, normalized: "docker.io/library/\(String(repeating: "n", count: 247)):latest"),
    ]

    @Test("accepted references normalise like ParseNormalizedNamed", arguments: valid)
    func accepts(_ c: ValidReferenceCase) throws {
        let ref = try ImageReference.parse(c.input)
        #expect(ref.domain == c.domain)
        #expect(ref.path == c.path)
        #expect(ref.tag == c.tag)
        #expect(ref.digest == c.digest)
        #expect(ref.registryWasImplicit == c.implicit)
        #expect(ref.familiar == c.input)
        #expect(ref.normalized == c.normalized)
        // Normalising is idempotent: the qualified form reads back to the same image.
        let again = try ImageReference.parse(ref.normalized)
        #expect(again.domain == ref.domain && again.path == ref.path && again.digest == ref.digest)
        #expect(!again.registryWasImplicit)
    }

    static let invalid: [InvalidReferenceCase] = [
        .init(input: "", kind: .empty, reasonMentions: "empty"),
        .init(input: ":tag", kind: .invalidRepositoryPath, reasonMentions: "name is empty"),
        .init(input: "@" + sha256Digest, kind: .invalidRepositoryPath, reasonMentions: "name is empty"),
        .init(input: hex64, kind: .ambiguousImageID, reasonMentions: "image id"),
        .init(input: "Nginx", kind: .uppercaseRepository, reasonMentions: "must be lowercase"),
        .init(input: "docker/Docker", kind: .uppercaseRepository, reasonMentions: "must be lowercase"),
        .init(input: "docker.io/docker/Docker", kind: .uppercaseRepository, reasonMentions: "must be lowercase"),
        .init(input: "Docker/Docker:v1", kind: .uppercaseRepository, reasonMentions: "must be lowercase"),
        .init(input: "a//b", kind: .invalidRepositoryPath, reasonMentions: "empty component"),
        .init(input: "docker/", kind: .invalidRepositoryPath, reasonMentions: "empty component"),
        .init(input: "docker.io/", kind: .invalidRepositoryPath, reasonMentions: "name is empty"),
        .init(input: "app-", kind: .invalidRepositoryPath, reasonMentions: "must end with"),
        .init(input: "-docker", kind: .invalidRepositoryPath, reasonMentions: "must start with"),
        .init(input: "_docker/_docker", kind: .invalidRepositoryPath, reasonMentions: "must start with"),
        .init(input: "a___b", kind: .invalidRepositoryPath, reasonMentions: "separator"),
        .init(input: "x/dock..er", kind: .invalidRepositoryPath, reasonMentions: "separator"),
        .init(input: "x/dock_.er", kind: .invalidRepositoryPath, reasonMentions: "separator"),
        .init(input: "x/dock-.er", kind: .invalidRepositoryPath, reasonMentions: "separator"),
        .init(input: "x/dock_-er", kind: .invalidRepositoryPath, reasonMentions: "separator"),
        // A first segment with "." is read as a registry host (the runtime contacts it), so
        // these fail as hosts even where the text would be a valid path component.
        .init(input: "dock..er/docker", kind: .invalidRegistryHost, reasonMentions: "empty name component"),
        .init(input: "dock-.er/docker", kind: .invalidRegistryHost, reasonMentions: "ending in"),
        .init(input: "a.b_c-d/e", kind: .invalidRegistryHost, reasonMentions: "\"_\""),
        .init(input: "https://github.com/docker/docker", kind: .invalidRegistryHost, reasonMentions: "https:"),
        .init(input: "-docker.io/docker/docker", kind: .invalidRegistryHost, reasonMentions: "starting with"),
        .init(input: "docker-.io/x", kind: .invalidRegistryHost, reasonMentions: "ending in"),
        .init(input: "a..b/x", kind: .invalidRegistryHost, reasonMentions: "empty name component"),
        .init(input: "[fe80::1%eth0]/x", kind: .invalidRegistryHost, reasonMentions: "IPv6"),
        .init(input: "[2001:db8:3:4::192.0.2.33]:5000/debian", kind: .invalidRegistryHost, reasonMentions: "IPv6"),
        .init(input: "[fc00::1]", kind: .invalidRepositoryPath, reasonMentions: "\"[\""),
        .init(input: "[fc00::1]:5000", kind: .invalidRepositoryPath, reasonMentions: "\"[\""),
        .init(input: "fc00::1:5000/debian", kind: .invalidRegistryHost, reasonMentions: "port"),
        .init(input: "reg:port/app", kind: .invalidRegistryHost, reasonMentions: "port"),
        .init(input: "reg:/app", kind: .invalidRegistryHost, reasonMentions: "empty port"),
        .init(input: "my_reg.io/app", kind: .invalidRegistryHost, reasonMentions: "\"_\""),
        .init(input: "nginx:", kind: .invalidTag, reasonMentions: "empty"),
        .init(input: "nginx:-1", kind: .invalidTag, reasonMentions: "must start"),
        .init(input: "nginx:a+b", kind: .invalidTag, reasonMentions: "\"+\""),
        .init(input: "nginx:" + String(repeating: "t", count: 129), kind: .invalidTag, reasonMentions: "129"),
        .init(input: "nginx:a:b", kind: .invalidTag, reasonMentions: "\":\""),
        .init(input: "gcr.io/" + String(repeating: "p", count: 256), kind: .repositoryNameTooLong, reasonMentions: "255"),
        .init(input: String(repeating: "n", count: 248), kind: .repositoryNameTooLong, reasonMentions: "256"),
        .init(input: "nginx@sha256:abc", kind: .invalidDigestLength, reasonMentions: "64"),
        .init(input: "nginx@sha256:" + hex64 + "00", kind: .invalidDigestLength, reasonMentions: "66"),
        .init(input: "nginx@sha256:" + hex64.uppercased(), kind: .invalidDigestFormat, reasonMentions: "lowercase"),
        .init(input: "nginx:1@SHA256:" + hex64, kind: .unsupportedDigestAlgorithm, reasonMentions: "SHA256"),
        .init(input: "nginx@SHA256:" + hex64, kind: .uppercaseRepository, reasonMentions: "lowercase"),
        .init(input: "nginx@md5:" + String(hex64.prefix(32)), kind: .unsupportedDigestAlgorithm, reasonMentions: "md5"),
        .init(input: "nginx@sha256+b64:" + hex64, kind: .unsupportedDigestAlgorithm, reasonMentions: "sha256+b64"),
        .init(input: "nginx@1sha:" + hex64, kind: .invalidDigestFormat, reasonMentions: "malformed"),
        .init(input: "nginx@sha256-:" + hex64, kind: .invalidDigestFormat, reasonMentions: "malformed"),
        .init(input: "nginx@" + hex64, kind: .invalidDigestFormat, reasonMentions: "algorithm:hex"),
        .init(input: "nginx@sha256:", kind: .invalidDigestFormat, reasonMentions: "nothing follows"),
        .init(input: "nginx@sha256:" + String(hex64.dropLast()) + "g", kind: .invalidDigestFormat, reasonMentions: "hexadecimal"),
        .init(input: "nginx@sha256:\(hex64)@sha256:\(hex64)", kind: .invalidDigestFormat, reasonMentions: "\"@\""),
        .init(input: " nginx", kind: .invalidRepositoryPath, reasonMentions: "byte 0x20"),
        .init(input: "nginx\n", kind: .invalidRepositoryPath, reasonMentions: "byte 0xA"),
        .init(input: "ngïnx", kind: .invalidRepositoryPath, reasonMentions: "byte 0xC3"),
    ]

    @Test("refused references raise a typed error with a reason", arguments: invalid)
    func refuses(_ c: InvalidReferenceCase) {
        #expect {
            try ImageReference.parse(c.input)
        } throws: { error in
            guard let e = error as? ImageReferenceError else { return false }
            return e.kind == c.kind && e.reason.contains(c.reasonMentions)
        }
    }

    @Test("reasons start with the runtime's wording")
    func reasonWording() throws {
        func reason(_ s: String) -> String {
            do { _ = try ImageReference.parse(s); return "" } catch { return error.reason }
        }
        #expect(reason("Nginx").hasPrefix("invalid reference format: repository name must be lowercase"))
        #expect(reason("nginx@sha256:abc").hasPrefix("invalid checksum digest length"))
        #expect(reason("nginx@sha256:" + hex64.uppercased()).hasPrefix("invalid checksum digest format"))
        #expect(reason("nginx@md5:" + hex64).hasPrefix("unsupported digest algorithm"))
        #expect(reason(hex64).hasPrefix("invalid repository name"))
    }

    @Test("pull reference: the digest wins over the tag, latest fills a missing tag")
    func pullReference() throws {
        #expect(try ImageReference.parse("nginx").pullReference == "docker.io/library/nginx:latest")
        #expect(try ImageReference.parse("nginx:1.27").pullReference == "docker.io/library/nginx:1.27")
        #expect(try ImageReference.parse("nginx:1.27@" + sha256Digest).pullReference == "docker.io/library/nginx@" + sha256Digest)
        #expect(try ImageReference.parse("nginx@" + sha256Digest).pullReference == "docker.io/library/nginx@" + sha256Digest)
        #expect(try ImageReference.parse("index.docker.io/nginx:1.27@" + sha256Digest).withoutTag == "index.docker.io/nginx@" + sha256Digest)
    }

    @Test("mutability: no tag or :latest without a digest")
    func mutability() throws {
        #expect(try ImageReference.parse("nginx").isMutable)
        #expect(try ImageReference.parse("nginx:latest").isMutable)
        #expect(try !ImageReference.parse("nginx:Latest").isMutable)
        #expect(try !ImageReference.parse("nginx:1.27").isMutable)
        #expect(try !ImageReference.parse("nginx:latest@" + sha256Digest).isMutable)
        #expect(try !ImageReference.parse("nginx@" + sha256Digest).isMutable)
    }

    @Test("long messages are cut short")
    func longInputMessage() {
        let huge = String(repeating: "A", count: 1_000_000)
        do {
            _ = try ImageReference.parse(huge)
            Issue.record("accepted")
        } catch {
            #expect(error.reason.utf8.count < 300)
        }
    }
}
