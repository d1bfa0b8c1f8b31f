import TidegateJSON

/// hostPath volumes outside the allowed host paths
///
/// Reads: `spec.volumes[*].hostPath.path`, and `volumeMounts[*].name` / `readOnly` of every
///        container, initContainer and ephemeralContainer.
/// Allowed: a path under a prefix of `securityContext.allowedHostPaths`, or under a prefix of
///          `securityContext.readOnlyHostPaths` when every mount of the volume is `readOnly:
///          true`. Prefixes compare whole path segments: `/foo` covers `/foo` and `/foo/bar`,
///          not `/foobar`; `/` covers everything.
/// Fix: none. Another host path, or none, is a decision about what the pod needs.
enum HostPathsCheck {
    static let registration = CheckRegistration(
        id: RuleID.hostPaths,
        action: { $0.securityContext.hostPaths },
        evaluate: v1_0)

    @Sendable static func v1_0(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        let rules = context.policy.securityContext
        guard context.scope == .all, let volumes = pod.spec["volumes"]?.arrayValue else { return [] }
        var out: [Violation] = []
        for (index, volume) in volumes.enumerated() {
            guard let path = volume["hostPath"]?["path"]?.stringValue else { continue }
            let name = volume["name"]?.stringValue ?? ""
            if rules.allowedHostPaths.contains(where: { covers($0, path) }) { continue }
            let readOnlyPrefix = rules.readOnlyHostPaths.contains { covers($0, path) }
            if readOnlyPrefix, !mountedWritable(name, in: pod) { continue }
            let why = readOnlyPrefix
                ? "is allowed only read-only, but a container mounts it writable"
                : "is not under an allowed host path"
            out.append(Violation(
                path: pod.specPath / "volumes" / index / "hostPath" / "path", container: nil,
                message: "volume \"\(name)\" mounts host path \(path), which \(why)"))
        }
        return out
    }

    static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    static func covers(_ prefix: String, _ path: String) -> Bool {
        let a = segments(prefix), b = segments(path)
        return a.count <= b.count && zip(a, b).allSatisfy { $0 == $1 }
    }

    static func mountedWritable(_ volume: String, in pod: PodUnderReview) -> Bool {
        pod.containers.contains { container in
            (container.body["volumeMounts"]?.arrayValue ?? []).contains {
                $0["name"]?.stringValue == volume && $0["readOnly"]?.boolValue != true
            }
        }
    }
}
