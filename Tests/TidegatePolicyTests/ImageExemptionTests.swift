import Testing
import TidegateJSON
@testable import TidegatePolicy

/// `images.exemptImages` takes a container out of every rule; pod-level findings stay.
@Suite struct ImageExemptionTests {
    @Test(arguments: [
        ("safeimages.com/app:1", "safeimages.com/*", true),
        ("safeimages.com.evil.io/app", "safeimages.com/*", false),
        ("nginx-exempt", "nginx-exempt", true),
        ("docker.io/library/nginx-exempt", "nginx-exempt", false),
        ("anything", "*", true),
    ])
    func entriesMatchTheImageAsWritten(_ image: String, _ entry: String, _ exempt: Bool) {
        #expect(NamePattern.matches(image, entry: entry) == exempt)
    }

    @Test func anExemptContainerHasNoFindingsButThePodStillDoes() throws {
        var policy = Policy()
        policy.securityContext.hostNetwork = .deny
        policy.images.exemptImages = ["safe.example/*"]
        let pod = try JSONReader().parse(#"{"kind":"Pod","spec":{"hostNetwork":true,"containers":[{"name":"ok","image":"safe.example/a:1","securityContext":{"privileged":true}},{"name":"bad","image":"evil.example/b:1","securityContext":{"privileged":true}}]}}"#)
        let findings = PolicyEngine.evaluate(pod, policy: policy).findings
        #expect(!findings.contains { $0.container?.name == "ok" })
        #expect(findings.contains { $0.container?.name == "bad" && $0.rule == RuleID.privileged })
        #expect(findings.contains { $0.rule == RuleID.hostNetwork })
    }
}
