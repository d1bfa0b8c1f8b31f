import TidegateJSON

/// Where an effective security setting comes from.
public enum SettingSource: String, Sendable, Equatable {
    /// The container's own `securityContext`.
    case container
    /// The pod-level `securityContext`, inherited because the container does not set it.
    case pod
    /// Set nowhere: the image (its USER) or the runtime default decides.
    case unset
}

/// One effective setting: its value, which level it came from, and where it is written.
public struct EffectiveSetting<Value: Sendable & Equatable>: Sendable, Equatable {
    /// Nil when `source` is `.unset`.
    public let value: Value?
    public let source: SettingSource
    // The pointer is built only when asked for: checks read many settings and report few.
    private let owner: JSONPointer?
    private let field: String
    private let subfield: String?

    public static var unset: EffectiveSetting { EffectiveSetting(value: nil, source: .unset, owner: nil, field: "") }

    /// `owner` is the container or pod-spec pointer; `field` (and `subfield`) sit in its securityContext.
    init(value: Value?, source: SettingSource, owner: JSONPointer?, field: String, subfield: String? = nil) {
        self.value = value
        self.source = source
        self.owner = owner
        self.field = field
        self.subfield = subfield
    }

    /// JSON Pointer of the field that decided the value; nil when unset.
    public var path: JSONPointer? {
        guard let owner else { return nil }
        let path = owner / "securityContext" / field
        return subfield.map { path / $0 } ?? path
    }
}

/// Why a container can gain privileges even without `allowPrivilegeEscalation: true`.
/// Kubernetes treats privilege escalation as always allowed for these, and its API rejects
/// `allowPrivilegeEscalation: false` next to `privileged: true` or an added `CAP_SYS_ADMIN`.
public enum ImpliedEscalation: String, Sendable, Equatable {
    case privileged
    /// `SYS_ADMIN` (any spelling the runtime accepts) in `capabilities.add`.
    case sysAdmin
    /// `ALL` in `capabilities.add`, which includes SYS_ADMIN.
    case allCapabilities

    public var explanation: String {
        switch self {
        case .privileged: "the container is privileged"
        case .sysAdmin: "the container adds SYS_ADMIN"
        case .allCapabilities: "the container adds ALL capabilities"
        }
    }
}

/// A container-only field written in the pod-level `securityContext`. Kubernetes has no such
/// pod field and drops it, so it applies to no container.
public struct IgnoredPodField: Sendable, Equatable {
    public let field: String
    public let value: JSONValue
    public let path: JSONPointer
}

/// The security settings one container actually runs with, after Kubernetes' precedence:
/// a container value overrides the pod value; `capabilities`, `privileged`,
/// `allowPrivilegeEscalation`, `readOnlyRootFilesystem` and `procMount` exist only on
/// containers, so pod-level copies of them are listed in `ignoredPodFields` and never apply.
///
/// A `null` securityContext, a `null` field or a value of the wrong JSON type counts as unset,
/// which is how the API server decodes it.
public struct EffectiveSecurityContext: Sendable, Equatable {
    /// The fields that exist only on containers.
    public static let containerOnlyFields = [
        "capabilities", "privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem", "procMount",
    ]
    /// Fields the API forbids on Windows pods (`spec.os.name: windows`): they have no meaning there.
    public static let linuxOnlyFields: Set<String> = [
        "runAsUser", "runAsGroup", "privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem",
        "capabilities", "seccompProfile", "procMount",
    ]

    public let container: ContainerRef
    /// `spec.os.name: windows`: the Linux-only settings do not apply (see `linuxOnlyFields`).
    public let isWindows: Bool

    public let runAsUser: EffectiveSetting<Int64>
    public let runAsGroup: EffectiveSetting<Int64>
    public let runAsNonRoot: EffectiveSetting<Bool>
    public let seccompProfileType: EffectiveSetting<String>

    public let privileged: EffectiveSetting<Bool>
    /// The explicit setting; see `escalationImpliedBy` and `allowsPrivilegeEscalation`.
    public let allowPrivilegeEscalation: EffectiveSetting<Bool>
    public let escalationImpliedBy: ImpliedEscalation?
    public let readOnlyRootFilesystem: EffectiveSetting<Bool>
    /// The entries as written (exact strings; non-strings are shown as their JSON text).
    public let capabilitiesAdd: EffectiveSetting<[String]>
    public let capabilitiesDrop: EffectiveSetting<[String]>
    public let procMount: EffectiveSetting<String>

    /// Container-only fields found at pod level, which Kubernetes drops.
    public let ignoredPodFields: [IgnoredPodField]

    public init(pod: PodUnderReview, container: ContainerView) {
        let read = container.settings
        self.container = container.ref
        self.isWindows = read.isWindows
        self.runAsUser = read.runAsUser
        self.runAsGroup = read.runAsGroup
        self.runAsNonRoot = read.runAsNonRoot
        self.seccompProfileType = read.seccompProfileType
        self.privileged = read.privileged
        self.allowPrivilegeEscalation = read.allowPrivilegeEscalation
        self.readOnlyRootFilesystem = read.readOnlyRootFilesystem
        self.capabilitiesAdd = read.capabilitiesAdd
        self.capabilitiesDrop = read.capabilitiesDrop
        self.procMount = read.procMount
        self.escalationImpliedBy = read.escalationImpliedBy
        self.ignoredPodFields = read.ignoredPodFields
    }

    /// Whether a process in the container can gain more privileges than its parent (setuid
    /// binaries, file capabilities). On Linux an unset `allowPrivilegeEscalation` means yes.
    public var allowsPrivilegeEscalation: Bool {
        escalationImpliedBy != nil || allowPrivilegeEscalation.value != false
    }

    /// Whether the container can end up running as uid 0, judging by the manifest alone.
    /// `runAsNonRoot: true` without a uid is safe: the kubelet refuses to start a root image.
    public var mayRunAsRoot: Bool {
        SecurityContextReader.mayRunAsRoot(isWindows: isWindows, runAsUser: runAsUser, runAsNonRoot: runAsNonRoot)
    }

    /// The offline answer to `kubectl exec -- whoami`.
    public var whoami: String {
        if isWindows {
            return runAsNonRoot.value == true
                ? "the image's user; the kubelet refuses to start it as ContainerAdministrator (runAsNonRoot: true\(from(runAsNonRoot)))"
                : "the image's user (may be ContainerAdministrator)"
        }
        if let uid = runAsUser.value {
            if uid == 0 {
                return runAsNonRoot.value == true
                    ? "does not start: runAsUser: 0\(from(runAsUser)) contradicts runAsNonRoot: true\(from(runAsNonRoot))"
                    : "root (uid 0\(from(runAsUser)))"
            }
            return "uid \(uid)\(from(runAsUser))"
        }
        return runAsNonRoot.value == true
            ? "the image's USER, which must be a non-zero numeric uid or the kubelet refuses to start it (runAsNonRoot: true\(from(runAsNonRoot)))"
            : "the image's USER (not set in the manifest; root unless the image says otherwise)"
    }

    private func from<T>(_ s: EffectiveSetting<T>) -> String {
        switch s.source {
        case .container: ", from the container"
        case .pod: ", from the pod"
        case .unset: ""
        }
    }

    /// One printable line per setting, in a fixed order.
    public struct Row: Sendable, Equatable {
        public let field: String
        public let value: JSONValue?
        public let source: SettingSource
        public let path: JSONPointer?
        /// What an unset value means, what overrides it, or why it does not apply.
        public let note: String?
    }

    public var rows: [Row] {
        func row<T>(_ field: String, _ s: EffectiveSetting<T>, _ json: (T) -> JSONValue, unset: String) -> Row {
            let topField = String(field.prefix { $0 != "." })
            var note: String? = s.source == .unset ? unset : nil
            if s.source == .unset, ignoredPodFields.contains(where: { $0.field == topField }) {
                note = unset + "; the pod-level \(topField) is ignored (Kubernetes drops it there)"
            }
            if isWindows && Self.linuxOnlyFields.contains(topField) { note = "does not apply: Windows pod" }
            return Row(field: field, value: s.value.map(json), source: s.source, path: s.path, note: note)
        }
        let int: (Int64) -> JSONValue = { .number(JSONNumber($0)) }
        let bool: (Bool) -> JSONValue = { .bool($0) }
        let string: (String) -> JSONValue = { .string($0) }
        let list: ([String]) -> JSONValue = { .array($0.map { .string($0) }) }
        var escalation = row("allowPrivilegeEscalation", allowPrivilegeEscalation, bool,
                             unset: "unset: escalation allowed (no_new_privs is not set)")
        if let cause = escalationImpliedBy, !isWindows {
            escalation = Row(field: escalation.field, value: escalation.value, source: escalation.source,
                             path: escalation.path, note: "implicitly true: \(cause.explanation)")
        }
        return [
            row("runAsUser", runAsUser, int, unset: "unset: the image's USER decides"),
            row("runAsGroup", runAsGroup, int, unset: "unset: the image's group decides"),
            row("runAsNonRoot", runAsNonRoot, bool, unset: "unset: the kubelet does not check the user"),
            row("privileged", privileged, bool, unset: "unset: not privileged"),
            escalation,
            row("readOnlyRootFilesystem", readOnlyRootFilesystem, bool, unset: "unset: the root filesystem is writable"),
            row("capabilities.add", capabilitiesAdd, list, unset: "unset: the runtime's default set"),
            row("capabilities.drop", capabilitiesDrop, list, unset: "unset: nothing dropped from the runtime's default set"),
            row("seccompProfile.type", seccompProfileType, string, unset: "unset: the kubelet's default (Unconfined unless --seccomp-default)"),
            row("procMount", procMount, string, unset: "unset: Default (masked /proc)"),
        ]
    }
}

extension PodUnderReview {
    /// The effective security context of one container.
    public func effectiveSecurityContext(of container: ContainerView) -> EffectiveSecurityContext {
        EffectiveSecurityContext(pod: self, container: container)
    }

    /// The effective security context of every container in `scope`, in container order.
    public func effectiveSecurityContexts(_ scope: ContainerScope = .all) -> [EffectiveSecurityContext] {
        containers.filter { scope.includes($0.ref.kind) }.map { EffectiveSecurityContext(pod: self, container: $0) }
    }
}

/// Reads a container's effective settings one at a time, with the precedence of
/// `EffectiveSecurityContext` (which is built from it). Checks use it to read only the fields
/// their rule needs, so that evaluating a pod does not build every setting once per rule.
/// One per container, made with the pod (`ContainerView.settings`): every least-privilege check
/// reads through it, and building one per check and container was most of what a check that
/// finds nothing cost.
final class SecurityContextReader: Sendable {
    let isWindows: Bool
    private let podSC: JSONObject?
    private let sc: JSONObject?
    private let specPath: JSONPointer
    private let containerPath: JSONPointer

    init(isWindows: Bool, podSecurityContext: JSONObject?, securityContext: JSONObject?,
         specPath: JSONPointer, containerPath: JSONPointer) {
        self.isWindows = isWindows
        self.podSC = podSecurityContext
        self.sc = securityContext
        self.specPath = specPath
        self.containerPath = containerPath
        self.runAsUserValue = Self.firstSet("runAsUser", securityContext, podSecurityContext) { $0.integerValue }?.0
        self.runAsNonRootValue = Self.firstSet("runAsNonRoot", securityContext, podSecurityContext) { $0.boolValue }?.0
    }

    /// Container value, else pod value, else unset.
    private func inherited<T>(_ key: String, _ read: (JSONValue) -> T?) -> EffectiveSetting<T> {
        guard let (value, source) = Self.firstSet(key, sc, podSC, read) else { return .unset }
        return EffectiveSetting(value: value, source: source, owner: source == .pod ? specPath : containerPath, field: key)
    }

    /// The precedence every inherited setting follows: the container's value, else the pod's.
    private static func firstSet<T>(
        _ key: String, _ sc: JSONObject?, _ podSC: JSONObject?, _ read: (JSONValue) -> T?
    ) -> (T, SettingSource)? {
        if let v = sc?[key].flatMap(read) { return (v, .container) }
        if let v = podSC?[key].flatMap(read) { return (v, .pod) }
        return nil
    }

    /// Container value or unset: the pod level has no such field.
    private func own<T>(_ key: String, _ read: (JSONValue) -> T?) -> EffectiveSetting<T> {
        guard let v = sc?[key].flatMap(read) else { return .unset }
        return EffectiveSetting(value: v, source: .container, owner: containerPath, field: key)
    }

    private func capabilities(_ key: String) -> EffectiveSetting<[String]> {
        guard let list = sc?["capabilities"]?[key]?.arrayValue else { return .unset }
        return EffectiveSetting(value: list.map(Capability.text), source: .container, owner: containerPath,
                                field: "capabilities", subfield: key)
    }

    var runAsUser: EffectiveSetting<Int64> { inherited("runAsUser") { $0.integerValue } }
    var runAsGroup: EffectiveSetting<Int64> { inherited("runAsGroup") { $0.integerValue } }
    var runAsNonRoot: EffectiveSetting<Bool> { inherited("runAsNonRoot") { $0.boolValue } }
    var seccompProfileType: EffectiveSetting<String> {
        let s = inherited("seccompProfile") { $0["type"]?.stringValue }
        guard s.source != .unset else { return s }
        return EffectiveSetting(value: s.value, source: s.source, owner: s.source == .pod ? specPath : containerPath,
                                field: "seccompProfile", subfield: "type")
    }
    var privileged: EffectiveSetting<Bool> { own("privileged") { $0.boolValue } }
    var allowPrivilegeEscalation: EffectiveSetting<Bool> { own("allowPrivilegeEscalation") { $0.boolValue } }
    var readOnlyRootFilesystem: EffectiveSetting<Bool> { own("readOnlyRootFilesystem") { $0.boolValue } }
    var procMount: EffectiveSetting<String> { own("procMount") { $0.stringValue } }
    var capabilitiesAdd: EffectiveSetting<[String]> { capabilities("add") }
    var capabilitiesDrop: EffectiveSetting<[String]> { capabilities("drop") }
    /// `capabilities.drop` holds the exact string `ALL`: asked of every container, so answered
    /// without building the list.
    var dropsAll: Bool {
        sc?["capabilities"]?["drop"]?.arrayValue?.contains { $0.stringValue == "ALL" } == true
    }

    /// The `capabilities.add` list as written, entries of any JSON type.
    var capabilitiesAddEntries: [JSONValue]? { sc?["capabilities"]?["add"]?.arrayValue }

    var escalationImpliedBy: ImpliedEscalation? {
        if sc?["privileged"]?.boolValue == true { return .privileged }
        guard let added = capabilitiesAddEntries, !added.isEmpty else { return nil }
        let names = added.compactMap { $0.stringValue.map(Capability.canonical) }
        if names.contains("SYS_ADMIN") { return .sysAdmin }
        if names.contains("ALL") { return .allCapabilities }
        return nil
    }

    var ignoredPodFields: [IgnoredPodField] {
        guard let podSC else { return [] }
        var ignored: [IgnoredPodField] = []
        for field in EffectiveSecurityContext.containerOnlyFields {
            if let v = podSC[field], !v.isNull {
                ignored.append(IgnoredPodField(field: field, value: v, path: specPath / "securityContext" / field))
            }
        }
        return ignored
    }

    static func mayRunAsRoot(
        isWindows: Bool, runAsUser: EffectiveSetting<Int64>, runAsNonRoot: EffectiveSetting<Bool>
    ) -> Bool {
        mayRunAsRoot(isWindows: isWindows, uid: runAsUser.value, nonRoot: runAsNonRoot.value)
    }

    static func mayRunAsRoot(isWindows: Bool, uid: Int64?, nonRoot: Bool?) -> Bool {
        if isWindows { return nonRoot != true }
        if let uid { return uid == 0 }
        return nonRoot != true
    }

    /// The effective values alone, for the common case where a check finds nothing and needs
    /// neither where a value came from nor its pointer.
    /// Read once: two checks and the root question all start from them.
    let runAsUserValue: Int64?
    let runAsNonRootValue: Bool?
    var mayRunAsRoot: Bool { Self.mayRunAsRoot(isWindows: isWindows, uid: runAsUserValue, nonRoot: runAsNonRootValue) }
    var allowPrivilegeEscalationValue: Bool? { sc?["allowPrivilegeEscalation"]?.boolValue }
    var readOnlyRootFilesystemValue: Bool? { sc?["readOnlyRootFilesystem"]?.boolValue }
}

/// Capability names as written in `capabilities.add`/`drop`.
///
/// Kubernetes stores them verbatim and Pod Security compares them as exact strings, while
/// container runtimes upper-case them and supply the `CAP_` prefix. So `cap_sys_admin`,
/// `CAP_SYS_ADMIN` and `SYS_ADMIN` all grant the same capability, yet only the exact spelling
/// in an allow-list passes. Tidegate compares exactly (like Pod Security) and uses the
/// canonical form only to explain what an alias means and to detect SYS_ADMIN.
enum Capability {
    /// `cap_net_raw` → `NET_RAW`.
    static func canonical(_ name: String) -> String {
        let upper = name.uppercased()
        return upper.hasPrefix("CAP_") ? String(upper.dropFirst(4)) : upper
    }

    /// A list entry as text; a non-string entry is shown as its JSON.
    static func text(_ entry: JSONValue) -> String {
        entry.stringValue ?? JSONWriter().string(entry)
    }
}
