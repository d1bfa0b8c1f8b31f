import TidegateJSON

/// The seccomp or AppArmor profile a container runs with, read from the fields and from the
/// older annotations, in the order the kubelet honours them: the container's field, the
/// container's annotation, the pod's field, the pod's annotation (seccomp only).
struct SecurityProfile {
    enum Kind {
        case seccomp
        case appArmor

        var field: String { self == .seccomp ? "seccompProfile" : "appArmorProfile" }

        func containerAnnotation(_ name: String) -> String {
            (self == .seccomp
                ? PodSecuritySeccompProfileBaseline.containerAnnotationPrefix
                : PodSecurityAppArmorProfile.annotationPrefix) + name
        }

        var podAnnotation: String? { self == .seccomp ? PodSecuritySeccompProfileBaseline.podAnnotation : nil }
    }

    /// In annotation spelling: `runtime/default`, `unconfined`, `localhost/<file>`.
    var name: String
    /// Where it was found; for an unset profile, where the container's field would go.
    var path: JSONPointer
    var source: String

    /// `annotations` are the pod's, read once per review by the caller.
    static func effective(
        _ kind: Kind, _ container: ContainerView, in pod: PodUnderReview, annotations: JSONObject?
    ) -> SecurityProfile? {
        if let value = container.securityContext?[kind.field], let name = fieldName(value) {
            return SecurityProfile(name: name, path: container.securityContextPath / kind.field, source: "container securityContext")
        }
        if let annotations {
            let containerKey = kind.containerAnnotation(container.ref.name)
            if let name = annotations[containerKey]?.stringValue {
                return SecurityProfile(name: name, path: pod.metadataPath / "annotations" / containerKey, source: "annotation \(containerKey)")
            }
        }
        if let value = pod.podSecurityContext?[kind.field], let name = fieldName(value) {
            return SecurityProfile(name: name, path: pod.podSecurityContextPath / kind.field, source: "pod securityContext")
        }
        if let podKey = kind.podAnnotation, let name = annotations?[podKey]?.stringValue {
            return SecurityProfile(name: name, path: pod.metadataPath / "annotations" / podKey, source: "annotation \(podKey)")
        }
        return nil
    }

    static func fieldName(_ value: JSONValue) -> String? {
        switch value["type"]?.stringValue {
        case "RuntimeDefault": return "runtime/default"
        case "Unconfined": return "unconfined"
        case "Localhost": return "localhost/" + (value["localhostProfile"]?.stringValue ?? "")
        case let other?: return other
        case nil: return nil
        }
    }

    /// Whether a policy entry admits `name`. Entries are annotation spellings (exact, or a
    /// prefix ending in `*` such as `localhost/*`) or field types: `RuntimeDefault` and
    /// `runtime/default` also admit `docker/default` (the same profile under its older name),
    /// `Localhost` admits every `localhost/` profile, `*` admits everything.
    static func admits(_ entry: String, _ name: String) -> Bool {
        if runtimeDefault.contains(entry) { return runtimeDefault.contains(name) }
        switch entry {
        case "Unconfined": return name == "unconfined"
        case "Localhost": return name.hasPrefix("localhost/")
        default: return NamePattern.matches(name, entry: entry)
        }
    }

    private static let runtimeDefault: Set<String> = ["runtime/default", "docker/default", "RuntimeDefault"]

    /// One violation per container whose profile no entry of `allowed` admits; an unset profile
    /// is a violation unless `*` is allowed.
    static func check(_ kind: Kind, rule: String, allowed: [String], _ context: CheckContext) -> [Violation] {
        let pod = context.pod
        guard !pod.isWindows else { return [] }
        let what = kind == .seccomp ? "seccomp" : "AppArmor"
        var allowedText: String { allowed.isEmpty ? "none allowed" : "allowed: " + allowed.joined(separator: ", ") }
        let annotations = pod.metadata?["annotations"]?.objectValue
        return pod.visitContainers(context.scope) { container in
            guard let profile = effective(kind, container, in: pod, annotations: annotations) else {
                if allowed.contains("*") { return [] }
                return [Violation(
                    path: container.securityContextPath / kind.field, container: container.ref,
                    message: "sets no \(what) profile (\(allowedText))")]
            }
            if allowed.contains(where: { admits($0, profile.name) }) { return [] }
            return [Violation(
                path: profile.path, container: container.ref,
                message: "runs \(what) profile \(quotedExcerpt(profile.name)), set by the \(profile.source) (\(allowedText))")]
        }
    }
}
