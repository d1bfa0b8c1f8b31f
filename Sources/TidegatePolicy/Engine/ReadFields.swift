import TidegateJSON

/// The fields of a submitted object that any check reads. The webhook's reader builds only
/// these and validates the rest without building it (a 60 KB UPDATE review is mostly
/// managedFields, env and the old object), so a check that starts reading a new field adds it
/// here. `ReadFieldsTests` and `PodSecurityReadFieldsTests` prove that findings and fixes from
/// a filtered read equal those from a full read.
public enum ReadFields {
    /// What a policy's checks read: without the Pod Security Standards, Tidegate's own rules
    /// need only images, security contexts and the pod's OS, which makes a typical review
    /// several times cheaper to read.
    public static func object(for policy: Policy) -> JSONFieldFilter {
        let sc = policy.securityContext
        // These rules read host namespaces, ports, volumes, mounts or annotations.
        let readsMore = [sc.sysctls, sc.hostNetwork, sc.hostNamespaces, sc.hostPorts, sc.procMount, sc.volumeTypes,
                         sc.hostPaths, sc.seccompProfile, sc.appArmorProfile, sc.seLinuxOptions].contains { $0 != .off }
        if readsMore { return object }
        guard let pss = policy.podSecurity, pss.level != .privileged else { return leastPrivilegeObject }
        return object
    }

    static let leastPrivilegeContainer: JSONFieldFilter = .only(["name": .all, "image": .all, "securityContext": .all])

    static let leastPrivilegePodSpec: [String: JSONFieldFilter] = [
        "containers": leastPrivilegeContainer, "initContainers": leastPrivilegeContainer,
        "ephemeralContainers": leastPrivilegeContainer, "securityContext": .all, "os": .all,
    ]

    static let leastPrivilegeObject: JSONFieldFilter = objectFilter(
        podSpec: leastPrivilegePodSpec, metadata: .only(["name": .all, "namespace": .all]))

    static func objectFilter(podSpec: [String: JSONFieldFilter], metadata: JSONFieldFilter) -> JSONFieldFilter {
        let template: JSONFieldFilter = .only(["metadata": metadata, "spec": .only(podSpec)])
        return .only([
            "apiVersion": .all, "kind": .all, "metadata": metadata, "template": template,
            "spec": .only(podSpec.merging([
                "template": template,
                "jobTemplate": .only(["spec": .only(["template": template])]),
            ]) { a, _ in a }),
        ])
    }

    /// A probe or lifecycle handler: only where it would connect to.
    static let handler: JSONFieldFilter = .only([
        "httpGet": .only(["host": .all]), "tcpSocket": .only(["host": .all]),
    ])

    /// Per container: identity, image, securityContext, what the Pod Security Standards
    /// inspect (host ports, probe and lifecycle hosts) and volume mounts (read-only host
    /// paths). Narrowed to the members read: probes, ports and mounts are a third of a
    /// container's bytes.
    static let container: JSONFieldFilter = .only([
        "name": .all, "image": .all, "securityContext": .all, "ports": .only(["hostPort": .all]),
        "livenessProbe": handler, "readinessProbe": handler, "startupProbe": handler,
        "lifecycle": .only(["postStart": handler, "preStop": handler]),
        "volumeMounts": .only(["name": .all, "readOnly": .all]),
    ])

    static let podSpec: [String: JSONFieldFilter] = [
        "containers": container, "initContainers": container, "ephemeralContainers": container,
        "securityContext": .all, "os": .all, "volumes": .all,
        "hostNetwork": .all, "hostPID": .all, "hostIPC": .all, "hostUsers": .all,
    ]

    static let metadata: JSONFieldFilter = .only(["name": .all, "namespace": .all, "annotations": .all])

    /// Any submitted object, for every check: the pod spec wherever a workload kind keeps it
    /// (`spec` for Pods, `spec.template` for controllers, `spec.jobTemplate.spec.template` for
    /// CronJobs, `template` for PodTemplates).
    public static let object: JSONFieldFilter = objectFilter(podSpec: podSpec, metadata: metadata)
}
