/// What a rule does when it finds something.
public enum RuleAction: String, Sendable, Equatable, CaseIterable {
    case deny
    case warn
    case off
}

/// The whole policy: which rules run, how hard they bite, and who is exempt.
///
/// The property names are the policy-file keys (`images.mutableTag`, ...): scripts and later
/// features build on them, so they are extended, never renamed. Defaults are the embedded
/// default policy.
public struct Policy: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable, CaseIterable {
        /// Deny-level findings deny the request.
        case enforce
        /// Never deny; every finding becomes a warning.
        case warn
        /// Allow; findings are recorded in audit annotations.
        case audit
    }

    public var mode: Mode = .enforce
    public var images = ImageRules()
    public var securityContext = SecurityContextRules()
    public var exemptions = Exemptions()
    public var mutation = Mutation()
    /// The Pod Security Standards level (and version) to enforce as `podSecurity.*` rules;
    /// nil leaves them off.
    public var podSecurity: PodSecuritySettings? = nil

    public init() {}

    /// The embedded default policy.
    public static let `default` = Policy()
}

public struct ImageRules: Sendable, Equatable {
    /// Registries and repository prefixes images may come from, normalised like image
    /// references and matched on whole host and path-segment boundaries.
    public var trustedRegistries: [RegistryPattern] = ImageRules.builtinTrusted {
        didSet { untrustedSuffix = Self.untrustedSuffix(naming: trustedRegistries) }
    }
    /// The end of an untrusted image's message, naming the trusted list. Kept with the list:
    /// every untrusted image's message spells it out, and joining it per review showed up in
    /// profiles.
    private(set) var untrustedSuffix = ImageRules.untrustedSuffix(naming: ImageRules.builtinTrusted)
    /// An image outside `trustedRegistries`. Invalid references are always denied.
    public var untrustedRegistry: RuleAction = .deny
    /// An image that names no registry and so silently resolves to docker.io.
    public var implicitRegistry: RuleAction = .warn
    /// No tag or `:latest`, and not pinned by digest.
    public var mutableTag: RuleAction = .warn
    /// Any image not pinned by digest.
    public var requireDigest: RuleAction = .off
    /// Both a tag and a digest: the runtime pulls the digest and ignores the tag.
    public var tagWithDigest: RuleAction = .warn
    /// Containers whose image, as written, equals an entry or starts with an entry that ends
    /// in `*` are exempt from every rule (see `ImageExemption`). Empty by default.
    public var exemptImages: [String] = []

    public init() {}

    static let builtinTrusted = [
        RegistryPattern.builtin("docker.io/library"),
        RegistryPattern.builtin("gcr.io"),
        RegistryPattern.builtin("registry.k8s.io"),
    ]

    static func untrustedSuffix(naming trusted: [RegistryPattern]) -> String {
        " is not from a trusted registry; " + (trusted.isEmpty
            ? "no registry is trusted (images.trustedRegistries is empty)"
            : "trusted: " + trusted.map(\.description).joined(separator: ", "))
    }
}

public struct SecurityContextRules: Sendable, Equatable {
    /// May run as root: neither runAsNonRoot true nor a non-zero runAsUser.
    public var runAsNonRoot: RuleAction = .deny
    /// `capabilities.add` outside `allowedCapabilities`.
    public var capabilities: RuleAction = .deny
    public var allowedCapabilities: [String] = ["NET_BIND_SERVICE"]
    /// `capabilities.drop` lacks ALL.
    public var requireDropAll: RuleAction = .warn
    public var privileged: RuleAction = .deny
    /// Not explicitly false (unset means allowed on Linux).
    public var allowPrivilegeEscalation: RuleAction = .warn
    /// Not explicitly true.
    public var readOnlyRootFilesystem: RuleAction = .warn
    /// Container-only fields in the pod-level securityContext, where Kubernetes drops them.
    public var misplacedFields: RuleAction = .warn
    /// runAsNonRoot true without a numeric runAsUser: a named image USER fails at start.
    public var runAsUserUnset: RuleAction = .warn
    /// Keys of the rules above (`privileged`, ...) that UPDATE requests skip. An UPDATE can
    /// change almost nothing in a running pod's security context, so a policy carried over
    /// from admission controllers that only judge creation lists them here. Empty by default.
    public var skipOnUpdate: [String] = []

    /// A pod sysctl named by `forbiddenSysctls` or outside `allowedSysctls` (entries are exact
    /// names, or prefixes ending in `*`; `*` alone matches every sysctl).
    public var sysctls: RuleAction = .off
    public var forbiddenSysctls: [String] = []
    public var allowedSysctls: [String] = ["*"]
    /// The pod shares the node's network namespace (`hostNetwork: true`).
    public var hostNetwork: RuleAction = .off
    /// The pod shares the node's process or IPC namespace (`hostPID` or `hostIPC` true).
    public var hostNamespaces: RuleAction = .off
    /// A container `hostPort` outside every range of `allowedHostPorts` (`80-9000`, `1024-`,
    /// `-9000`, or one port); an empty list allows no host port.
    public var hostPorts: RuleAction = .off
    public var allowedHostPorts: [String] = [] {
        didSet { hostPortRanges = allowedHostPorts.compactMap(HostPortRange.init) }
    }
    /// `allowedHostPorts` parsed, kept with the list so a review does not parse it again.
    private(set) var hostPortRanges: [HostPortRange] = []
    /// A container `procMount` other than `Default` (`Unmasked` exposes the host's /proc).
    public var procMount: RuleAction = .off
    /// A pod volume whose type is not in `allowedVolumeTypes` (`*` allows every type).
    public var volumeTypes: RuleAction = .off
    public var allowedVolumeTypes: [String] = []
    /// A hostPath volume outside `allowedHostPaths`, or under `readOnlyHostPaths` but mounted
    /// writable by some container. Prefixes compare whole path segments (`/foo` covers
    /// `/foo/bar`, not `/foobar`); both lists empty allows no hostPath volume.
    public var hostPaths: RuleAction = .off
    public var allowedHostPaths: [String] = []
    public var readOnlyHostPaths: [String] = []
    /// A container whose seccomp profile (field or annotation, container before pod) no entry
    /// of `allowedSeccompProfiles` admits (`runtime/default`, `localhost/*`, `*`, ...).
    public var seccompProfile: RuleAction = .off
    public var allowedSeccompProfiles: [String] = []
    /// The same for AppArmor profiles and `allowedAppArmorProfiles`.
    public var appArmorProfile: RuleAction = .off
    public var allowedAppArmorProfiles: [String] = []
    /// `seLinuxOptions` (pod or container) that no `user:role:type:level` entry of
    /// `allowedSELinuxOptions` admits; an empty field admits only an unset one.
    public var seLinuxOptions: RuleAction = .off
    public var allowedSELinuxOptions: [String] = [] {
        didSet { seLinuxLabels = allowedSELinuxOptions.compactMap(SELinuxLabel.init) }
    }
    /// `allowedSELinuxOptions` parsed, kept with the list.
    private(set) var seLinuxLabels: [SELinuxLabel] = []

    public init() {}

    /// The rules above by their key in a policy file's `securityContext` section (the key
    /// `skipOnUpdate` names them by), in the order a policy file lists them.
    public static let actions: [(key: String, keyPath: any WritableKeyPath<SecurityContextRules, RuleAction> & Sendable)] = [
        ("runAsNonRoot", \.runAsNonRoot), ("capabilities", \.capabilities), ("requireDropAll", \.requireDropAll),
        ("privileged", \.privileged), ("allowPrivilegeEscalation", \.allowPrivilegeEscalation),
        ("readOnlyRootFilesystem", \.readOnlyRootFilesystem), ("misplacedFields", \.misplacedFields),
        ("runAsUserUnset", \.runAsUserUnset), ("sysctls", \.sysctls), ("hostNetwork", \.hostNetwork),
        ("hostNamespaces", \.hostNamespaces), ("hostPorts", \.hostPorts), ("procMount", \.procMount),
        ("volumeTypes", \.volumeTypes), ("hostPaths", \.hostPaths), ("seccompProfile", \.seccompProfile),
        ("appArmorProfile", \.appArmorProfile), ("seLinuxOptions", \.seLinuxOptions),
    ]
}

extension Policy {
    /// This policy as UPDATE requests see it: the rules `securityContext.skipOnUpdate` names
    /// are off. Off in the policy itself, not filtered from findings afterwards, so a check
    /// that defers to one of them (readOnlyRootFilesystem to misplacedFields) sees it off too.
    public var forUpdate: Policy {
        var policy = self
        for entry in SecurityContextRules.actions where securityContext.skipOnUpdate.contains(entry.key) {
            policy.securityContext[keyPath: entry.keyPath] = .off
        }
        return policy
    }
}

public struct Exemptions: Sendable, Equatable {
    public var namespaces: [String] = ["kube-system"]
    public var usernames: [String] = []
    public var groups: [String] = []

    public init() {}
}

/// Which fixes the mutating endpoint applies by itself. Only rules whose fix cannot change
/// what runs belong here by default: an explicit registry names the same image, and turning
/// off privilege escalation only removes setuid gains.
public struct Mutation: Sendable, Equatable {
    public var autoApply: [String] = [RuleID.implicitRegistry, RuleID.allowPrivilegeEscalation]

    public init() {}
}

extension Exemptions {
    /// Why a request from this namespace, user and groups is not checked, or nil when it is.
    /// The webhook and `tidegate check` (which knows only the namespace) share this.
    public func reason(namespace: String, username: String = "", groups: [String] = []) -> String? {
        if !namespace.isEmpty && namespaces.contains(namespace) { return "namespace \(namespace) is exempt" }
        if !username.isEmpty && usernames.contains(username) { return "user \(username) is exempt" }
        if let group = groups.first(where: self.groups.contains) { return "group \(group) is exempt" }
        return nil
    }
}

extension Policy {
    /// The action a finding takes once the mode is applied: outside `enforce`, nothing denies.
    public func effectiveAction(_ action: RuleAction) -> RuleAction {
        mode == .enforce || action != .deny ? action : .warn
    }
}
