import Testing
import TidegateJSON
@testable import TidegatePolicy

/// One expected finding: rule, action, JSON Pointer, and the image the fix writes (nil: no fix).
struct ExpectedImageFinding: Sendable, Equatable, CustomStringConvertible {
    let rule: String
    let action: RuleAction
    let path: String
    var fixWrites: String? = nil
    var description: String { "\(rule) \(action) \(path)" + (fixWrites.map { " → \($0)" } ?? "") }
}

struct ImageCheckCase: Sendable, CustomTestStringConvertible {
    let name: String
    let object: String
    var policy: Policy = .default
    var scope: ContainerScope = .all
    let expected: [ExpectedImageFinding]
    var testDescription: String { name }
}

func podJSON(containers: [String] = [], initContainers: [String] = [], ephemeral: [String] = []) -> String {
    func list(_ images: [String], _ prefix: String) -> String {
        "[" + images.enumerated().map { i, image in
            image.hasPrefix("{") ? image : "{\"name\":\"\(prefix)\(i)\",\"image\":\"\(image)\"}"
        }.joined(separator: ",") + "]"
    }
    return """
    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{
      "containers":\(list(containers, "c")),"initContainers":\(list(initContainers, "i")),
      "ephemeralContainers":\(list(ephemeral, "e"))}}
    """
}

extension Policy {
    static var everyImageRuleOn: Policy {
        var p = Policy.default
        p.images.requireDigest = .warn
        return p
    }
    static var trustingNothing: Policy {
        var p = Policy.default
        p.images.trustedRegistries = []
        return p
    }
}

let digested = "sha256:" + hex64

@Suite struct ImageChecksTests {
    typealias E = ExpectedImageFinding
    static let implicit = RuleID.implicitRegistry, mutable = RuleID.mutableTag, untrusted = RuleID.untrustedRegistry
    static let invalid = RuleID.invalidReference, digest = RuleID.requireDigest, both = RuleID.tagWithDigest

    static let cases: [ImageCheckCase] = [
        .init(name: "bare name: implicit registry (fix adds :latest) and mutable tag",
              object: podJSON(containers: ["nginx"]),
              expected: [E(rule: implicit, action: .warn, path: "/spec/containers/0/image", fixWrites: "docker.io/library/nginx:latest"),
                         E(rule: mutable, action: .warn, path: "/spec/containers/0/image")]),
        .init(name: "tagged bare name: only the implicit registry, tag kept",
              object: podJSON(containers: ["nginx:1.27"]),
              expected: [E(rule: implicit, action: .warn, path: "/spec/containers/0/image", fixWrites: "docker.io/library/nginx:1.27")]),
        .init(name: "fully qualified and pinned: nothing",
              object: podJSON(containers: ["docker.io/library/nginx:1.27", "registry.k8s.io/pause@" + digested]),
              expected: []),
        .init(name: "explicit :latest is mutable",
              object: podJSON(containers: ["gcr.io/p/app:latest"]),
              expected: [E(rule: mutable, action: .warn, path: "/spec/containers/0/image")]),
        .init(name: "untrusted registry is denied; look-alike hosts and paths do not pass",
              object: podJSON(containers: ["quay.io/x/app:1", "gcr.io.evil.com/app:1", "registry-1.docker.io/library/nginx:1"]),
              expected: [E(rule: untrusted, action: .deny, path: "/spec/containers/0/image"),
                         E(rule: untrusted, action: .deny, path: "/spec/containers/1/image"),
                         E(rule: untrusted, action: .deny, path: "/spec/containers/2/image")]),
        .init(name: "untrusted Docker Hub user image: untrusted, implicit and mutable",
              object: podJSON(containers: ["evil/nginx"]),
              expected: [E(rule: untrusted, action: .deny, path: "/spec/containers/0/image"),
                         E(rule: implicit, action: .warn, path: "/spec/containers/0/image", fixWrites: "docker.io/evil/nginx:latest"),
                         E(rule: mutable, action: .warn, path: "/spec/containers/0/image")]),
        .init(name: "invalid reference: only invalidReference, always deny",
              object: podJSON(containers: ["Nginx", "nginx@sha256:abc", "ok/x:1"]),
              policy: .trustingNothing,
              expected: [E(rule: invalid, action: .deny, path: "/spec/containers/0/image"),
                         E(rule: invalid, action: .deny, path: "/spec/containers/1/image"),
                         E(rule: untrusted, action: .deny, path: "/spec/containers/2/image"),
                         E(rule: implicit, action: .warn, path: "/spec/containers/2/image", fixWrites: "docker.io/ok/x:1")]),
        .init(name: "image that is not a string, or empty, is invalid; an absent or null image is left alone",
              object: podJSON(containers: ["{\"name\":\"n\",\"image\":42}", "{\"name\":\"none\"}",
                                           "{\"name\":\"null\",\"image\":null}", ""]),
              expected: [E(rule: invalid, action: .deny, path: "/spec/containers/0/image"),
                         E(rule: invalid, action: .deny, path: "/spec/containers/3/image")]),
        .init(name: "initContainers and ephemeralContainers are checked",
              object: podJSON(containers: ["gcr.io/p/app:1"], initContainers: ["gcr.io/p/init:latest"], ephemeral: ["busybox"]),
              expected: [E(rule: implicit, action: .warn, path: "/spec/ephemeralContainers/0/image", fixWrites: "docker.io/library/busybox:latest"),
                         E(rule: mutable, action: .warn, path: "/spec/initContainers/0/image"),
                         E(rule: mutable, action: .warn, path: "/spec/ephemeralContainers/0/image")]),
        .init(name: "ephemeral-only scope sees only ephemeral containers",
              object: podJSON(containers: ["nginx"], initContainers: ["nginx"], ephemeral: ["quay.io/debug/tools:1"]),
              scope: .ephemeralOnly,
              expected: [E(rule: untrusted, action: .deny, path: "/spec/ephemeralContainers/0/image")]),
        .init(name: "Deployment: tag and digest, implicit registry, paths under the template",
              object: """
              {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{
                "containers":[{"name":"web","image":"nginx:1.27@\(digested)"}]}}}}
              """,
              expected: [E(rule: implicit, action: .warn, path: "/spec/template/spec/containers/0/image",
                           fixWrites: "docker.io/library/nginx:1.27@" + digested),
                         E(rule: both, action: .warn, path: "/spec/template/spec/containers/0/image", fixWrites: "nginx@" + digested)]),
        .init(name: "CronJob: port is not a tag; paths under the job template",
              object: """
              {"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c"},"spec":{"schedule":"* * * * *",
                "jobTemplate":{"spec":{"template":{"spec":{"containers":[
                  {"name":"a","image":"gcr.io/p/a:2"},{"name":"b","image":"reg:5000/app"}]}}}}}}
              """,
              expected: [E(rule: untrusted, action: .deny, path: "/spec/jobTemplate/spec/template/spec/containers/1/image"),
                         E(rule: mutable, action: .warn, path: "/spec/jobTemplate/spec/template/spec/containers/1/image")]),
        .init(name: "requireDigest when enabled: every image without a digest",
              object: podJSON(containers: ["gcr.io/p/a:1", "gcr.io/p/b@" + digested, "gcr.io/p/c:2@" + digested]),
              policy: .everyImageRuleOn,
              expected: [E(rule: digest, action: .warn, path: "/spec/containers/0/image"),
                         E(rule: both, action: .warn, path: "/spec/containers/2/image", fixWrites: "gcr.io/p/c@" + digested)]),
        .init(name: "an empty trusted list trusts nothing",
              object: podJSON(containers: ["gcr.io/p/a:1"]),
              policy: .trustingNothing,
              expected: [E(rule: untrusted, action: .deny, path: "/spec/containers/0/image")]),
    ]

    static func evaluate(_ c: ImageCheckCase) throws -> PolicyEvaluation {
        let object = try JSONReader().parse(c.object)
        return PolicyEngine.evaluate(object, policy: c.policy, scope: c.scope, checks: Checks.imageChecks)
    }

    static func summary(_ f: Finding) -> ExpectedImageFinding {
        var writes: String? = nil
        if let fix = f.fix {
            // Every image fix is a single replace of the image field itself.
            if fix.operations.count == 1, case .replace(let p, .string(let s)) = fix.operations[0], p == f.path { writes = s }
            else { writes = "unexpected operations \(fix.operations)" }
        }
        return ExpectedImageFinding(rule: f.rule, action: f.action, path: f.path.description, fixWrites: writes)
    }

    @Test("findings: rule, action, pointer to the image, fix", arguments: cases)
    func findings(_ c: ImageCheckCase) throws {
        let evaluation = try Self.evaluate(c)
        #expect(evaluation.findings.map(Self.summary) == c.expected)
    }

    @Test("fixes apply cleanly and leave no fixable image finding", arguments: cases)
    func fixesConverge(_ c: ImageCheckCase) throws {
        let object = try JSONReader().parse(c.object)
        let evaluation = try Self.evaluate(c)
        // Each fix on its own removes its own finding.
        for finding in evaluation.findings {
            guard let fix = finding.fix else { continue }
            let patched = try JSONPatch(fix.operations).applied(to: object)
            // The fix touches the image field and nothing else.
            let original = try #require(object.value(at: finding.path))
            #expect(try JSONPatch([.replace(finding.path, original)]).applied(to: patched) == object)
            let after = PolicyEngine.evaluate(patched, policy: c.policy, scope: c.scope, checks: Checks.imageChecks)
            #expect(!after.findings.contains { $0.rule == finding.rule && $0.path == finding.path }, "\(finding.rule) at \(finding.path)")
            #expect(after.findings.filter { $0.rule == RuleID.invalidReference }.count
                    == evaluation.findings.filter { $0.rule == RuleID.invalidReference }.count, "a fix wrote an invalid reference")
        }
        // Applied together, one after the other, none is left.
        let fixed = PolicyEngine.fix(object, policy: c.policy, scope: c.scope)
        let replay = try fixed.patch.applied(to: object)
        #expect(replay == fixed.fixed)
        let remaining = PolicyEngine.evaluate(replay, policy: c.policy, scope: c.scope, checks: Checks.imageChecks)
        #expect(!remaining.findings.contains { $0.fix != nil })
    }

    @Test("messages: the rewrite, the normalised reference and trusted list, the parser's reason")
    func messages() throws {
        func messages(_ image: String, _ policy: Policy = .default) throws -> [String: String] {
            let e = try Self.evaluate(.init(name: "", object: podJSON(containers: [image]), policy: policy, expected: []))
            return Dictionary(e.findings.map { ($0.rule, $0.message) }, uniquingKeysWith: { a, _ in a })
        }
        let bare = try messages("nginx")
        #expect(bare[Self.implicit]?.hasSuffix("nginx → docker.io/library/nginx:latest") == true)
        #expect(bare[Self.implicit]?.hasPrefix("container \"c0\": ") == true)
        #expect(bare[Self.mutable]?.contains("pin a version tag or a digest") == true)
        let quay = try messages("quay.io/x/app")
        #expect(quay[Self.untrusted]?.contains("quay.io/x/app:latest") == true)
        #expect(quay[Self.untrusted]?.contains("trusted: docker.io/library, gcr.io, registry.k8s.io") == true)
        let upper = try messages("Nginx")
        #expect(upper[Self.invalid]?.contains("invalid reference format: repository name must be lowercase") == true)
        let both = try messages("gcr.io/p/a:1@" + digested)
        #expect(both[Self.both]?.contains("pulls the digest and ignores the tag") == true)
        // A fully written reference is its own normalised form: named once, short or long.
        for written in ["quay.io/x/app:1.0", "quay.io/some-organisation/some-application-name@" + digested] {
            let message = try #require(try messages(written)[Self.untrusted])
            #expect(message.components(separatedBy: "quay.io/").count == 2, "named twice: \(message)")
            #expect(message.contains("image \"quay.io/"), "\(message)")
        }
        let none = try messages("gcr.io/p/a:1", .trustingNothing)
        #expect(none[Self.untrusted]?.contains("no registry is trusted") == true)
    }

    @Test("the image rules are registered in order with their policy actions")
    func registration() {
        #expect(Checks.imageChecks.map(\.id) == [RuleID.invalidReference, RuleID.untrustedRegistry, RuleID.implicitRegistry,
                                                  RuleID.mutableTag, RuleID.requireDigest, RuleID.tagWithDigest])
        var off = Policy.default
        off.images.untrustedRegistry = .off
        off.images.implicitRegistry = .off
        off.images.mutableTag = .off
        off.images.tagWithDigest = .off
        // invalidReference ignores the policy: it always denies.
        #expect(Checks.imageChecks.map { $0.action(off) } == [.deny, .off, .off, .off, .off, .off])
    }
}
