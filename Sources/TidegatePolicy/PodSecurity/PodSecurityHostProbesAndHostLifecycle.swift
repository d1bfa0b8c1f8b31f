import TidegateJSON

/// hostProbesAndHostLifecycle (baseline, v1.34)
///
/// Reads: `livenessProbe`, `readinessProbe`, `startupProbe`, `lifecycle.postStart` and
/// `lifecycle.preStop` of every container, initContainer and ephemeralContainer, each at
/// `httpGet.host` and `tcpSocket.host`.
/// Allowed: unset, "". A host there makes the kubelet, from the node's network, probe any
/// address the pod's author names.
/// Fix: none. Without `host` the probe targets the pod's own IP, which may not be what it checks.
enum PodSecurityHostProbesAndHostLifecycle {
    static let check = PodSecurityCheck(
        id: "hostProbesAndHostLifecycle", level: .baseline, versions: [(KubeVersion(minor: 34), v1_34)])

    static let probes = ["livenessProbe", "readinessProbe", "startupProbe"]
    static let handlers = ["postStart", "preStop"]
    static let actions = ["httpGet", "tcpSocket"]

    @Sendable static func v1_34(_ context: CheckContext) -> [Violation] {
        let pod = context.pod
        return pod.eachContainer(context.scope) { i, out in
            for probe in probes {
                guard let handler = pod.containers[i].body[probe] else { continue }
                for action in actions {
                    guard let host = host(handler, action) else { continue }
                    out.append(violation(pod.containers[i], [probe, action], host))
                }
            }
            guard let lifecycle = pod.containers[i].body["lifecycle"] else { return }
            for name in handlers {
                guard let handler = lifecycle[name] else { continue }
                for action in actions {
                    guard let host = host(handler, action) else { continue }
                    out.append(violation(pod.containers[i], ["lifecycle", name, action], host))
                }
            }
        }
    }

    static func host(_ handler: JSONValue, _ action: String) -> String? {
        guard let host = handler[action]?["host"]?.stringValue, !host.isEmpty else { return nil }
        return host
    }

    static func violation(_ container: ContainerView, _ location: [String], _ host: String) -> Violation {
        Violation(
            path: container.path.appending(JSONPointer(tokens: location + ["host"])), container: container.ref,
            message: PodSecurityText.message(
                "probe or lifecycle host",
                "must not set \(location.joined(separator: ".")).host, found \(PodSecurityText.quoted(host))"))
    }
}
