import TidegateJSON

/// The fields of a submitted object that any check reads. The webhook's reader builds only
/// these and validates the rest without building it (a 60 KB UPDATE review is mostly
/// managedFields, env and the old object), so a check that starts reading a new field adds it
/// here. `ReadFieldsTests` proves, over every test manifest, that findings and fixes from a
/// filtered read equal those from a full read.
public enum ReadFields {
    /// Per container: identity, image, securityContext, what the Pod Security Standards
    /// inspect (ports, probe and lifecycle hosts) and volumeMounts (read-only host paths).
    static let container: JSONFieldFilter = .only([
        "name": .all, "image": .all, "securityContext": .all, "ports": .all,
        "livenessProbe": .all, "readinessProbe": .all, "startupProbe": .all, "lifecycle": .all,
        "volumeMounts": .all,
    ])

    static let podSpec: [String: JSONFieldFilter] = [
        "containers": container, "initContainers": container, "ephemeralContainers": container,
        "securityContext": .all, "os": .all, "volumes": .all,
        "hostNetwork": .all, "hostPID": .all, "hostIPC": .all, "hostUsers": .all,
    ]

    static let metadata: JSONFieldFilter = .only(["name": .all, "namespace": .all, "annotations": .all])

    static let podTemplate: JSONFieldFilter = .only(["metadata": metadata, "spec": .only(podSpec)])

    /// Any submitted object: the pod spec wherever a workload kind keeps it (`spec` for Pods,
    /// `spec.template` for controllers, `spec.jobTemplate.spec.template` for CronJobs,
    /// `template` for PodTemplates).
    public static let object: JSONFieldFilter = .only([
        "apiVersion": .all, "kind": .all, "metadata": metadata,
        "template": podTemplate,
        "spec": .only(podSpec.merging([
            "template": podTemplate,
            "jobTemplate": .only(["spec": .only(["template": podTemplate])]),
        ]) { a, _ in a }),
    ])
}
