import Foundation
import Testing
import TidegateAdmission
import TidegateConfig
import TidegateJSON
import TidegatePolicy

/// Tidegate's decisions on the OPA gatekeeper-library samples, with each constraint imported by
/// `GatekeeperImporter`. A Gatekeeper violation is one Tidegate finding that denies: both report
/// once per offending container (or once per pod for pod-level fields). Suite assertions whose
/// message is `container`, `initContainer` or `ephemeralContainer` count the findings for that
/// kind of container; other messages quote Gatekeeper's wording, which Tidegate does not share,
/// so those assertions count all denying findings.
@Suite struct GatekeeperConformanceTests {
    @Test func corpusIsFound() {
        #expect(GatekeeperCorpus.root != nil, "shared/conformance/gatekeeper-library not found above \(#filePath)")
        #expect(GatekeeperCorpus.cases.count == 119)
    }

    @Test(arguments: GatekeeperCorpus.cases)
    func caseMatchesGatekeeperOrItsDocumentedDifference(_ testCase: GatekeeperCase) throws {
        switch try Conformance.judge(testCase) {
        case .agrees: break
        case .documentedDifference: break
        case .unsupported: break
        case .fails(let why): Issue.record(Comment(rawValue: why))
        }
    }

    @Test func listedTemplatesAreExactlyTheOnesTheImporterRefuses() throws {
        var kinds: Set<String> = []
        for testCase in GatekeeperCorpus.cases { kinds.insert(testCase.constraintKind) }
        for kind in kinds {
            #expect(GatekeeperImporter.supportedKinds.contains(kind) == (ConformanceDifferences.unsupportedKinds[kind] == nil),
                    "\(kind): the unsupported list and the importer disagree")
        }
        for key in ConformanceDifferences.cases.keys {
            #expect(GatekeeperCorpus.cases.contains { $0.key == key }, "listed difference \(key) is not a corpus case")
        }
    }

    /// Prints the summary line and keeps docs/conformance.md equal to it: a stale file is
    /// rewritten and reported, so the change shows up in the diff.
    @Test func summaryIsPrintedAndDocumented() throws {
        // Without the corpus there is nothing to summarise; corpusIsFound reports why.
        guard GatekeeperCorpus.root != nil, !GatekeeperCorpus.cases.isEmpty else {
            Issue.record("no conformance corpus; docs/conformance.md left as it is")
            return
        }
        var agree = 0, differ = 0, unsupported = 0, failing: [String] = []
        for testCase in GatekeeperCorpus.cases {
            switch try Conformance.judge(testCase) {
            case .agrees: agree += 1
            case .documentedDifference: differ += 1
            case .unsupported: unsupported += 1
            case .fails: failing.append(testCase.key)
            }
        }
        #expect(failing.isEmpty, "failing cases: \(failing)")
        let total = GatekeeperCorpus.cases.count
        let line = "Gatekeeper library conformance: \(total) cases, \(agree) agree, \(differ) documented differences, \(unsupported) unsupported"
        print(line)
        let markdown = ConformanceReport.markdown(summary: line)
        let url = GatekeeperCorpus.repositoryRoot.appendingPathComponent("docs/conformance.md")
        let current = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        if current != markdown {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try markdown.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("docs/conformance.md was stale and has been rewritten; commit it")
        }
    }
}

enum Verdict {
    case agrees
    case documentedDifference
    case unsupported
    case fails(String)
}

/// What Tidegate decides for one object under one imported constraint.
struct Outcome {
    var allowed: Bool
    var violations: Int
    var byContainerKind: [ContainerKind: Int]
}

enum Conformance {
    static func judge(_ testCase: GatekeeperCase) throws -> Verdict {
        let constraint = try GatekeeperCorpus.document(testCase.constraintFile).value
        let imported = GatekeeperImporter.translate([constraint])
        let name = "\(testCase.constraintKind)/\(constraint["metadata"]?["name"]?.stringValue ?? "?")"

        if ConformanceDifferences.unsupportedKinds[testCase.constraintKind] != nil {
            let reported = imported.isEmpty && imported.unsupported == [name]
                && imported.notes.contains { $0.kind == .unsupported && $0.constraint == name }
            return reported ? .unsupported : .fails("\(name) is listed as unsupported but the importer did not report it so")
        }
        guard imported.imported == [name] else { return .fails("\(name) was not imported: \(imported.notes)") }

        let outcome = try evaluate(testCase, policy: imported.policy)
        let gatekeeperAgrees = agrees(outcome, with: testCase)
        if let difference = ConformanceDifferences.cases[testCase.key] {
            if gatekeeperAgrees { return .fails("listed as a difference but Tidegate now agrees with Gatekeeper") }
            return outcome.allowed == difference.tidegateAllows
                ? .documentedDifference
                : .fails("Tidegate \(outcome.allowed ? "allows" : "denies"), the listed difference says otherwise")
        }
        return gatekeeperAgrees
            ? .agrees
            : .fails("Gatekeeper expects \(testCase.expectedAllow ? "allow" : "deny") \(testCase.assertions); Tidegate \(outcome.allowed ? "allows" : "denies") with \(outcome.violations) violations \(outcome.byContainerKind)")
    }

    static func agrees(_ outcome: Outcome, with testCase: GatekeeperCase) -> Bool {
        guard outcome.allowed == testCase.expectedAllow else { return false }
        for assertion in testCase.assertions {
            let count: Int
            switch assertion.message {
            case "container": count = outcome.byContainerKind[.containers, default: 0]
            case "initContainer": count = outcome.byContainerKind[.initContainers, default: 0]
            case "ephemeralContainer": count = outcome.byContainerKind[.ephemeralContainers, default: 0]
            default: count = outcome.violations
            }
            if let exactly = assertion.exactly {
                if count != exactly { return false }
            } else if count < 1 {
                return false
            }
        }
        return true
    }

    /// Runs the object through the admission engine as the apiserver would send it: Pods as a
    /// CREATE review, AdmissionReview samples as they are (with a uid added when they lack one).
    static func evaluate(_ testCase: GatekeeperCase, policy: Policy) throws -> Outcome {
        let document = try GatekeeperCorpus.document(testCase.objectFile)
        var review: JSONValue
        if let given = document.review {
            review = given
            if review["request"]?["uid"] == nil, case .object(var root) = review, case .object(var request)? = root["request"] {
                request["uid"] = .string("conformance")
                root["request"] = .object(request)
                review = .object(root)
            }
        } else {
            let namespace = document.value["metadata"]?["namespace"]?.stringValue ?? "default"
            review = .object(JSONObject([
                ("apiVersion", .string("admission.k8s.io/v1")),
                ("kind", .string("AdmissionReview")),
                ("request", .object(JSONObject([
                    ("uid", .string("conformance")),
                    ("kind", .object(JSONObject([("group", .string("")), ("version", .string("v1")), ("kind", .string("Pod"))]))),
                    ("resource", .object(JSONObject([("group", .string("")), ("version", .string("v1")), ("resource", .string("pods"))]))),
                    ("namespace", .string(namespace)),
                    ("operation", .string("CREATE")),
                    ("userInfo", .object(JSONObject([("username", .string("conformance"))]))),
                    ("object", document.value),
                ]))),
            ]))
        }
        let request = try AdmissionReviewRequest(document: review)
        let decision = AdmissionEngine(policy: policy).review(request, endpoint: .validate).decision
        let violations = decision.findings.filter { $0.action == .deny }.count

        var byKind: [ContainerKind: Int] = [:]
        if decision.skippedBecause == nil {
            // The samples are CREATE reviews: every rule applies.
            let evaluation = PolicyEngine.evaluate(document.value, policy: policy)
            for finding in evaluation.findings where finding.action == .deny {
                if let kind = finding.container?.kind { byKind[kind, default: 0] += 1 }
            }
        }
        return Outcome(allowed: decision.allowed, violations: violations, byContainerKind: byKind)
    }
}

enum ConformanceReport {
    static func markdown(summary: String) -> String {
        var text = """
            # Conformance with the OPA Gatekeeper library

            `swift test --filter GatekeeperConformanceTests` imports each constraint of the
            gatekeeper-library samples with `tidegate import gatekeeper` and checks Tidegate's
            decision on each sample against the outcome the library's own suite expects.
            This file is written by that test.

            **\(summary)**

            A Gatekeeper violation counts as one Tidegate finding that denies (one per offending
            container, volume or sysctl). Pods go through the admission engine as CREATE reviews,
            the `update.yaml` samples as the UPDATE reviews they are; the imported policy lists the
            pod-security-policy rules in `securityContext.skipOnUpdate`, as those templates (all but
            seccomp and AppArmor) do not judge UPDATE requests.

            ## Where an imported policy is stricter or broader than the constraint

            The samples do not exercise these; `tidegate import gatekeeper` reports each one on
            standard error, naming the constraint and the parameter.

            - Image entries are matched on the normalised reference, on whole path segments, not as
              raw string prefixes: `repos: [openpolicyagent]` no longer admits
              `openpolicyagent-evil/x` (it admits `openpolicyagent:1` and `openpolicyagent/x`).
            - An `allowedImages` entry naming one exact image or tag (`ubuntu:20.14`) trusts its whole
              repository; `disallowedtags` is carried over for `latest` only.
            - Invalid image references are always denied (`images.invalidReference`).
            - `exemptImages` becomes `images.exemptImages`, and `match.excludedNamespaces` becomes
              `exemptions.namespaces`: both apply to every rule of the policy, so importing several
              constraints shares them. Lists of several constraints of one kind are merged (union).
            - `match.namespaces`, label and namespace selectors cannot be expressed: the rules apply in
              every namespace not exempt, and to every workload kind with a pod template.
            - Added capabilities are compared exactly (`net_bind_service` is not `NET_BIND_SERVICE`);
              `requiredDropCapabilities` is carried over when it contains `ALL`; `runAsUser` only for
              `MustRunAsNonRoot`; `hostPort: 0` counts as no host port.

            """
        let differences = ConformanceDifferences.cases.sorted { $0.key < $1.key }
        if !differences.isEmpty {
            text += "\n## Documented differences\n\n| Case | Tidegate | Why |\n|---|---|---|\n"
            for (key, difference) in differences {
                text += "| `\(key)` | \(difference.tidegateAllows ? "allow" : "deny") | \(difference.reason) |\n"
            }
        }
        let unsupported = ConformanceDifferences.unsupportedKinds.sorted { $0.key < $1.key }
        if !unsupported.isEmpty {
            text += "\n## Templates not imported\n\n| Constraint kind | Cases | Why |\n|---|---|---|\n"
            for (kind, reason) in unsupported {
                let count = GatekeeperCorpus.cases.filter { $0.constraintKind == kind }.count
                text += "| `\(kind)` | \(count) | \(reason) |\n"
            }
        }
        return text
    }
}
