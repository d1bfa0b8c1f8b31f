import Testing
@testable import TidegatePolicy

struct PatternMatchCase: Sendable, CustomTestStringConvertible {
    let pattern: String
    let image: String
    let trusted: Bool
    var testDescription: String { "\(pattern) \(trusted ? "trusts" : "does not trust") \(image)" }
}

struct PatternReadCase: Sendable, CustomTestStringConvertible {
    let entry: String
    /// The normalised form, or nil when the entry must be refused.
    let normalized: String?
    var testDescription: String { "\(entry) → \(normalized ?? "refused")" }
}

@Suite struct ImageRegistryPatternTests {
    static let matching: [PatternMatchCase] = [
        // Docker Hub and the library/ rule
        .init(pattern: "docker.io/library", image: "nginx", trusted: true),
        .init(pattern: "docker.io/library", image: "nginx:1.27", trusted: true),
        .init(pattern: "docker.io/library", image: "library/nginx", trusted: true),
        .init(pattern: "docker.io/library", image: "docker.io/nginx", trusted: true),
        .init(pattern: "docker.io/library", image: "index.docker.io/nginx", trusted: true),
        .init(pattern: "docker.io/library", image: "bitnami/redis", trusted: false),
        .init(pattern: "docker.io/library", image: "libraryx/nginx", trusted: false),
        .init(pattern: "docker.io", image: "bitnami/redis", trusted: true),
        .init(pattern: "index.docker.io", image: "nginx", trusted: true),
        .init(pattern: "nginx", image: "nginx:1.27", trusted: true),
        .init(pattern: "nginx", image: "docker.io/library/nginx@" + sha256Digest, trusted: true),
        .init(pattern: "nginx", image: "nginx-evil", trusted: false),
        .init(pattern: "nginx", image: "evil/nginx", trusted: false),
        .init(pattern: "bitnami/redis", image: "bitnami/redis:7", trusted: true),
        // Deliberately not folded into docker.io: fail closed
        .init(pattern: "docker.io/library", image: "registry-1.docker.io/library/nginx", trusted: false),
        .init(pattern: "docker.io/library", image: "docker.io:443/library/nginx", trusted: false),
        .init(pattern: "docker.io/library", image: "Docker.io/nginx", trusted: false),
        .init(pattern: "registry-1.docker.io/library", image: "registry-1.docker.io/library/nginx", trusted: true),
        // Hosts: whole host, case-insensitive, port included
        .init(pattern: "docker.io/library", image: "Docker.io/library/nginx", trusted: true),
        .init(pattern: "GCR.io", image: "gcr.io/p/app", trusted: true),
        .init(pattern: "gcr.io", image: "GCR.IO/p/app", trusted: true),
        .init(pattern: "myregistry.io", image: "myregistry.io/x", trusted: true),
        .init(pattern: "myregistry.io", image: "myregistry.io.evil.com/x", trusted: false),
        .init(pattern: "myregistry.io", image: "evilmyregistry.io/x", trusted: false),
        .init(pattern: "myregistry.io", image: "myregistry.io:5000/x", trusted: false),
        .init(pattern: "localhost:5000", image: "localhost:5000/x", trusted: true),
        .init(pattern: "localhost:5000", image: "localhost/x", trusted: false),
        .init(pattern: "localhost", image: "localhost:5000/x", trusted: false),
        .init(pattern: "localhost", image: "localhost", trusted: false),
        .init(pattern: "localhost:5000/team", image: "localhost:5000/team/app:1", trusted: true),
        .init(pattern: "localhost:5000/team", image: "localhost:5000/other/app", trusted: false),
        .init(pattern: "[::1]:5000", image: "[::1]:5000/x", trusted: true),
        .init(pattern: "[::1]:5000", image: "[0::1]:5000/x", trusted: false),
        // Paths: whole segments
        .init(pattern: "gcr.io/team", image: "gcr.io/team/app", trusted: true),
        .init(pattern: "gcr.io/team", image: "gcr.io/team", trusted: true),
        .init(pattern: "gcr.io/team", image: "gcr.io/team/sub/app:1", trusted: true),
        .init(pattern: "gcr.io/team", image: "gcr.io/team-evil/x", trusted: false),
        .init(pattern: "gcr.io/team", image: "gcr.io/teamx", trusted: false),
        .init(pattern: "gcr.io/team/", image: "gcr.io/team/app", trusted: true),
        .init(pattern: "gcr.io/team/app", image: "gcr.io/team/app:1", trusted: true),
        .init(pattern: "gcr.io/team/app", image: "gcr.io/team/application", trusted: false),
        // Wildcards: subdomains at any depth, not the apex, port included
        .init(pattern: "*.corp.example.com", image: "reg.corp.example.com/app", trusted: true),
        .init(pattern: "*.corp.example.com", image: "a.b.corp.example.com/app", trusted: true),
        .init(pattern: "*.corp.example.com", image: "REG.Corp.Example.com/app", trusted: true),
        .init(pattern: "*.corp.example.com", image: "corp.example.com/app", trusted: false),
        .init(pattern: "*.corp.example.com", image: "evilcorp.example.com/app", trusted: false),
        .init(pattern: "*.corp.example.com", image: "reg.corp.example.com.evil.io/app", trusted: false),
        .init(pattern: "*.corp.example.com", image: "reg.corp.example.com:5000/app", trusted: false),
        .init(pattern: "*.corp.example.com:5000", image: "reg.corp.example.com:5000/app", trusted: true),
        .init(pattern: "*.corp.example.com/team", image: "reg.corp.example.com/team/app", trusted: true),
        .init(pattern: "*.corp.example.com/team", image: "reg.corp.example.com/other/app", trusted: false),
    ]

    @Test("matches on whole host and path-segment boundaries", arguments: matching)
    func matches(_ c: PatternMatchCase) throws {
        let pattern = try RegistryPattern(c.pattern)
        let image = try ImageReference.parse(c.image)
        #expect(pattern.matches(image) == c.trusted)
    }

    static let reading: [PatternReadCase] = [
        .init(entry: "docker.io/library", normalized: "docker.io/library"),
        .init(entry: "gcr.io", normalized: "gcr.io"),
        .init(entry: "registry.k8s.io", normalized: "registry.k8s.io"),
        .init(entry: "GCR.io/team", normalized: "gcr.io/team"),
        .init(entry: "Registry.Example.com/team", normalized: "registry.example.com/team"),
        .init(entry: "index.docker.io/library", normalized: "docker.io/library"),
        .init(entry: "*.corp.example.com", normalized: "*.corp.example.com"),
        .init(entry: "localhost:5000/team", normalized: "localhost:5000/team"),
        .init(entry: "localhost", normalized: "localhost"),
        .init(entry: "nginx", normalized: "docker.io/library/nginx"),
        .init(entry: "bitnami/redis", normalized: "docker.io/bitnami/redis"),
        .init(entry: "gcr.io/team/", normalized: "gcr.io/team"),
        .init(entry: "[::1]:5000", normalized: "[::1]:5000"),
        .init(entry: "", normalized: nil),
        .init(entry: "https://gcr.io", normalized: nil),
        .init(entry: "gcr.io/Team", normalized: nil),
        .init(entry: "gcr.io/team//app", normalized: nil),
        .init(entry: "gcr.io//", normalized: nil),
        .init(entry: "/gcr.io", normalized: nil),
        .init(entry: "nginx:1.27", normalized: nil),
        .init(entry: "team/app:1", normalized: nil),
        .init(entry: "gcr.io/app@" + sha256Digest, normalized: nil),
        .init(entry: "gcr.*.io", normalized: nil),
        .init(entry: "*", normalized: nil),
        .init(entry: "*.", normalized: nil),
        .init(entry: "*.[::1]", normalized: nil),
        .init(entry: "my_reg.io", normalized: nil),
        .init(entry: "reg.io:http", normalized: nil),
        .init(entry: "-reg.io", normalized: nil),
    ]

    @Test("entries are normalised like image names, or refused with the entry and a reason", arguments: reading)
    func reads(_ c: PatternReadCase) {
        do {
            let pattern = try RegistryPattern(c.entry)
            #expect(pattern.description == c.normalized)
            #expect(pattern.text == c.entry)
        } catch {
            #expect(c.normalized == nil, "refused: \(error)")
            #expect(error.entry == c.entry && !error.reason.isEmpty)
            #expect(!error.reason.contains("invalid reference format"))
        }
    }

    @Test("entries that trust the same images are equal however written")
    func equality() throws {
        #expect(try RegistryPattern("GCR.io") == RegistryPattern("gcr.io/"))
        #expect(try RegistryPattern("index.docker.io/library") == RegistryPattern("docker.io/library"))
        #expect(try RegistryPattern("nginx") == RegistryPattern("docker.io/library/nginx"))
        #expect(try RegistryPattern("gcr.io") != RegistryPattern("*.gcr.io"))
    }

    @Test("the built-in defaults trust official Docker Hub images, gcr.io and registry.k8s.io only")
    func defaults() throws {
        let trusted = Policy.default.images.trustedRegistries
        #expect(trusted.map(\.description) == ["docker.io/library", "gcr.io", "registry.k8s.io"])
        func isTrusted(_ image: String) throws -> Bool {
            let ref = try ImageReference.parse(image)
            return trusted.contains { $0.matches(ref) }
        }
        #expect(try isTrusted("nginx"))
        #expect(try isTrusted("registry.k8s.io/pause:3.9"))
        #expect(try !isTrusted("quay.io/x/y"))
        #expect(try !isTrusted("gcr.io.evil.com/x"))
        #expect(try !isTrusted("registry.k8s.io.evil.com/pause"))
    }
}
