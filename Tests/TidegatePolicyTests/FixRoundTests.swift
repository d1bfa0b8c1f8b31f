import Testing
import TidegateJSON
import TidegateTestSupport
@testable import TidegatePolicy

/// `PolicyEngine.fix` applies several fixes per round; the result must be exactly the one of
/// applying one fix, re-checking, and applying the next.
@Suite("Fix rounds")
struct FixRoundTests {
    /// The reference: one fix per round, always the first selected finding with an untried fix.
    static func oneAtATime(_ object: JSONValue, policy: Policy, select: (Finding) -> Bool = { _ in true })
        -> (operations: [PatchOperation], fixed: JSONValue, remaining: [Finding])
    {
        var document = object
        var operations: [PatchOperation] = []
        var tried: Set<String> = []
        while true {
            let findings = PolicyEngine.evaluate(document, policy: policy).findings
            guard let next = findings.first(where: {
                guard let fix = $0.fix, !fix.operations.isEmpty, select($0) else { return false }
                return !tried.contains($0.rule + " " + $0.path.description)
            }) else { return (operations, document, findings) }
            tried.insert(next.rule + " " + next.path.description)
            guard let patched = try? JSONPatch(next.fix!.operations).applied(to: document) else { continue }
            document = patched
            operations.append(contentsOf: next.fix!.operations)
        }
    }

    static let policies: [(String, Policy)] = [
        ("default", .default),
        ("restricted standards", { var p = Policy(); p.podSecurity = PodSecuritySettings(level: .restricted); return p }()),
        ("baseline standards", { var p = Policy(); p.podSecurity = PodSecuritySettings(level: .baseline); return p }()),
    ]

    /// A pod spec with one to five containers across the three kinds, each with a random mix of
    /// the settings the fixable rules read, and a random pod-level securityContext.
    static func randomPod(_ random: inout SplitMix64) -> JSONValue {
        func pick<T>(_ options: [T]) -> T { options[random.below(options.count)] }
        func securityContext(podLevel: Bool) -> JSONValue? {
            if random.below(4) == 0 { return random.below(2) == 0 ? nil : .null }
            var members: [(key: String, value: JSONValue)] = []
            let fields: [(String, [JSONValue])] = [
                ("runAsNonRoot", [true, false]), ("runAsUser", [0, 1000]),
                ("seccompProfile", [["type": "RuntimeDefault"], ["type": "Unconfined"]]),
            ] + (podLevel ? [("readOnlyRootFilesystem", [true]), ("privileged", [false])] : [
                ("privileged", [true, false]), ("allowPrivilegeEscalation", [true, false]),
                ("readOnlyRootFilesystem", [true, false]), ("procMount", ["Unmasked", "Default"]),
                ("capabilities", [["drop": ["ALL"]], ["add": ["SYS_ADMIN", "NET_BIND_SERVICE"]], ["drop": ["NET_RAW"], "add": ["CHOWN"]], [:]]),
            ])
            for (key, values) in fields where random.below(3) == 0 { members.append((key, pick(values))) }
            return .object(JSONObject(members))
        }
        var spec = JSONObject()
        if let sc = securityContext(podLevel: true) { spec["securityContext"] = sc }
        for kind in ["containers", "initContainers", "ephemeralContainers"] {
            let count = kind == "containers" ? 1 + random.below(4) : random.below(2)
            guard count > 0 else { continue }
            spec[kind] = .array((0..<count).map { i in
                var c = JSONObject([(key: "name", value: .string("\(kind.prefix(4))\(i)")), (key: "image", value: "registry.k8s.io/app:1")])
                if let sc = securityContext(podLevel: false) { c["securityContext"] = sc }
                return .object(c)
            })
        }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"], "spec": .object(spec)]
    }

    @Test("random pods: the same operations in the same order, the same document and findings as one fix at a time",
          arguments: policies.map(\.0))
    func matchesOneAtATime(policyName: String) {
        let policy = Self.policies.first { $0.0 == policyName }!.1
        var random = SplitMix64(seed: 0x7146_6174_6531)
        var batched = 0
        for n in 0..<300 {
            let pod = Self.randomPod(&random)
            let reference = Self.oneAtATime(pod, policy: policy)
            let result = PolicyEngine.fix(pod, policy: policy)
            #expect(result.patch.operations == reference.operations, "pod \(n): \(pod)")
            #expect(result.fixed == reference.fixed, "pod \(n)")
            #expect(result.remaining.map(\.rule) == reference.remaining.map(\.rule), "pod \(n)")
            if reference.operations.count > 1 { batched += 1 }
        }
        #expect(batched > 100)  // most pods have several fixes, so rounds with more than one are exercised
    }

    @Test("a selection of rules (the webhook's autoApply) gives the same result too")
    func selectionMatches() {
        var random = SplitMix64(seed: 42)
        let select: (Finding) -> Bool = { [RuleID.requireDropAll, RuleID.allowPrivilegeEscalation].contains($0.rule) }
        for _ in 0..<100 {
            let pod = Self.randomPod(&random)
            let reference = Self.oneAtATime(pod, policy: .default, select: select)
            #expect(PolicyEngine.fix(pod, policy: .default, selecting: select).patch.operations == reference.operations)
        }
    }

    /// One container's fix, as a round sees it.
    static func containerFix(_ index: Int, _ field: String, kind: String = "containers") -> Fix {
        Fix("f", [.add(JSONPointer(tokens: ["spec", kind, "\(index)", "securityContext", field]), true)])
    }

    static let pod = PodUnderReview(object: [
        "kind": "Pod",
        "spec": ["containers": [["name": "a"], ["name": "b"]], "initContainers": [["name": "i"]]],
    ])!
    static let a = ContainerRef(kind: .containers, index: 0, name: "a")
    static let b = ContainerRef(kind: .containers, index: 1, name: "b")
    static let i = ContainerRef(kind: .initContainers, index: 0, name: "i")

    @Test("what joins a round", arguments: [
        ("fixes of different containers join", [(containerFix(0, "x"), a), (containerFix(1, "x"), b), (containerFix(0, "x", kind: "initContainers"), i)], 3),
        ("a second fix of the same container ends the round", [(containerFix(0, "x"), a), (containerFix(0, "y"), a), (containerFix(1, "x"), b)], 1),
        ("a pod-level fix first is the round alone", [(Fix("f", [.add(JSONPointer(tokens: ["spec", "securityContext"]), [:])]), nil), (containerFix(1, "x"), b)], 1),
        ("a pod-level fix after a container's ends the round", [(containerFix(0, "x"), a), (Fix("f", [.add(JSONPointer(tokens: ["spec", "securityContext"]), [:])]), nil), (containerFix(1, "x"), b)], 1),
        ("a container's finding whose fix writes outside it ends the round", [(containerFix(0, "x"), a), (containerFix(0, "x"), b)], 1),
        ("a fix replacing the whole container is not confined to it", [(containerFix(0, "x"), a), (Fix("f", [.replace(JSONPointer(tokens: ["spec", "containers", "1"]), [:])]), b)], 1),
        ("after an unconfined first fix nothing joins", [(Fix("f", [.add(JSONPointer(tokens: ["spec", "containers", "1", "x"]), 1)]), a), (containerFix(1, "y"), b)], 1),
    ] as [(String, [(Fix, ContainerRef?)], Int)])
    func joins(_ name: String, fixes: [(Fix, ContainerRef?)], expected: Int) {
        var round = FixRound(pod: Self.pod)
        for (fix, container) in fixes {
            guard round.admits(fix, of: container) else { break }
        }
        #expect(round.fixes.count == expected, "\(name)")
    }
}
