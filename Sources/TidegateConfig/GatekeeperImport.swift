import TidegateJSON
import TidegatePolicy

/// The result of translating Gatekeeper constraints into one Tidegate policy.
public struct GatekeeperImport: Sendable {
    /// Every rule off, then on exactly where a constraint asks.
    public var policy: Policy
    /// What the policy does not carry over exactly, in constraint order.
    public var notes: [GatekeeperImportNote]
    /// `Kind/name` of each constraint that was translated, fully or in part.
    public var imported: [String]
    /// `Kind/name` of each constraint left out because no Tidegate rule expresses its kind.
    public var unsupported: [String]

    /// Nothing was translated: the policy enforces nothing.
    public var isEmpty: Bool { imported.isEmpty }
}

/// One thing the policy says differently from a constraint.
public struct GatekeeperImportNote: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Not enforced at all (a constraint kind or parameter Tidegate cannot express).
        case unsupported
        /// Enforced, but more permissively than the constraint.
        case broader
        /// Enforced, more strictly or differently than the constraint's raw-string reading.
        case different
    }

    public var kind: Kind
    /// `Kind/name` of the constraint.
    public var constraint: String
    /// The parameter (`spec.parameters.allowedImages[3]`), or nil for the constraint as a whole.
    public var parameter: String?
    public var message: String

    public var description: String {
        "\(constraint): \(kind.rawValue): " + (parameter.map { "\($0): " } ?? "") + message
    }
}

/// Translates Gatekeeper constraints (of the gatekeeper-library templates) into a Tidegate
/// policy that enforces what they enforce, with every other rule off.
///
/// Supported kinds and the rules they turn on:
/// - `K8sAllowedRepos` (`repos`), `K8sAllowedReposv2` (`allowedImages`): `images.untrustedRegistry`
///   with `images.trustedRegistries`. Entries become normalised registry patterns matched on
///   whole path segments, so `openpolicyagent/` is `docker.io/openpolicyagent` and no longer
///   also admits `openpolicyagentevil/x`; an entry naming a tag is widened to its repository.
/// - `K8sDisallowedTags` (`tags: [latest]`): `images.mutableTag` (no tag, or `:latest`).
/// - `K8sImageDigests`: `images.requireDigest`.
/// - `K8sPSPPrivilegedContainer`, `K8sPSPAllowPrivilegeEscalationContainer`,
///   `K8sPSPReadOnlyRootFilesystem`: the `securityContext` rule of the same name.
/// - `K8sPSPCapabilities`: `securityContext.capabilities` with `allowedCapabilities`;
///   `requiredDropCapabilities` containing `ALL` turns on `securityContext.requireDropAll`.
/// - `K8sPSPAllowedUsers` (`runAsUser.rule: MustRunAsNonRoot`): `securityContext.runAsNonRoot`.
/// - `K8sPSPForbiddenSysctls`: `securityContext.sysctls` with `forbiddenSysctls` and
///   `allowedSysctls` (absent allows every sysctl, `*`).
/// - `K8sPSPHostNamespace`: `securityContext.hostNamespaces` (hostPID, hostIPC).
/// - `K8sPSPHostNetworkingPorts`: `securityContext.hostNetwork` unless `hostNetwork: true`;
///   `min`/`max` become a range of `securityContext.allowedHostPorts` for `securityContext.hostPorts`.
/// - `K8sPSPProcMount` (`procMount: Default`): `securityContext.procMount`.
/// - `K8sPSPVolumeTypes`: `securityContext.volumeTypes` with `allowedVolumeTypes`.
/// - `K8sPSPHostFilesystem`: `securityContext.hostPaths`; `allowedHostPaths` entries go to
///   `allowedHostPaths`, or to `readOnlyHostPaths` when marked `readOnly`.
/// - `K8sPSPSeccomp`, `K8sPSPAppArmor`: `securityContext.seccompProfile` /
///   `securityContext.appArmorProfile` with the allowed profiles (`allowedLocalhostFiles` become
///   `localhost/<file>` entries). These two judge UPDATE requests, as the templates do.
/// - `K8sPSPSELinuxV2`: `securityContext.seLinuxOptions`, each allowed entry written as the
///   label `user:role:type:level`.
///
/// `exemptImages` becomes `images.exemptImages` (which exempts a container from every rule),
/// `match.excludedNamespaces` becomes `exemptions.namespaces`. The pod-security-policy
/// templates other than seccomp and AppArmor do not judge UPDATE requests, so their rules are listed in
/// `securityContext.skipOnUpdate`. Everything else is reported as a note, never dropped
/// silently.
public enum GatekeeperImporter {
    /// Kinds this importer translates.
    public static let supportedKinds: Set<String> = [
        "K8sAllowedRepos", "K8sAllowedReposv2", "K8sDisallowedTags", "K8sImageDigests",
        "K8sPSPPrivilegedContainer", "K8sPSPAllowPrivilegeEscalationContainer", "K8sPSPReadOnlyRootFilesystem",
        "K8sPSPCapabilities", "K8sPSPAllowedUsers", "K8sPSPForbiddenSysctls", "K8sPSPHostNamespace",
        "K8sPSPHostNetworkingPorts", "K8sPSPProcMount", "K8sPSPVolumeTypes", "K8sPSPHostFilesystem",
        "K8sPSPSeccomp", "K8sPSPAppArmor", "K8sPSPSELinuxV2",
    ]

    /// A policy in which no rule fires: every action off, nothing trusted, nothing exempt,
    /// nothing patched.
    public static var allOff: Policy {
        var policy = Policy()
        for field in PolicySchema.imageActions { policy.images[keyPath: field.keyPath] = .off }
        for field in PolicySchema.securityContextActions { policy.securityContext[keyPath: field.keyPath] = .off }
        policy.images.trustedRegistries = []
        policy.securityContext.allowedCapabilities = []
        policy.exemptions.namespaces = []
        policy.mutation.autoApply = []
        policy.podSecurity = nil
        return policy
    }

    /// Translates `constraints` (decoded objects; anything that is not a constraint is noted
    /// and skipped).
    public static func translate(_ constraints: [JSONValue]) -> GatekeeperImport {
        var translator = GatekeeperTranslator()
        for object in constraints { translator.add(object) }
        return translator.finish()
    }
}

/// Translates constraints one at a time into `policy`; the kind-specific parts live in
/// GatekeeperImport+Images.swift and GatekeeperImport+PodSecurity.swift.
struct GatekeeperTranslator {
    var policy = GatekeeperImporter.allOff
    var notes: [GatekeeperImportNote] = []
    var imported: [String] = []
    var unsupported: [String] = []
    /// Constraints whose `match.excludedNamespaces` became policy-wide exemptions.
    var namespaceExclusions: [String] = []
    /// The constraint being translated.
    var current = ""

    mutating func add(_ object: JSONValue) {
        let kind = object["kind"]?.stringValue ?? "?"
        current = "\(kind)/\(object["metadata"]?["name"]?.stringValue ?? "?")"
        guard object["apiVersion"]?.stringValue?.hasPrefix("constraints.gatekeeper.sh/") == true else {
            note(.unsupported, nil, "not a Gatekeeper constraint (apiVersion constraints.gatekeeper.sh/*); skipped")
            unsupported.append(current)
            return
        }
        guard GatekeeperImporter.supportedKinds.contains(kind) else {
            note(.unsupported, nil, "no Tidegate rule expresses \(kind) yet; not imported")
            unsupported.append(current)
            return
        }
        guard let action = action(object["spec"]?["enforcementAction"]) else {
            unsupported.append(current)
            return
        }
        let parameters = object["spec"]?["parameters"]?.objectValue ?? JSONObject()
        imported.append(current)
        translateMatch(object["spec"]?["match"])
        switch kind {
        case "K8sAllowedRepos": allowedRepos(parameters["repos"], parameter: "repos", wildcards: false, action)
        case "K8sAllowedReposv2": allowedRepos(parameters["allowedImages"], parameter: "allowedImages", wildcards: true, action)
        case "K8sDisallowedTags": disallowedTags(parameters["tags"], action)
        case "K8sImageDigests": policy.images.requireDigest = action
        case "K8sPSPPrivilegedContainer": securityContext("privileged", \.privileged, action)
        case "K8sPSPAllowPrivilegeEscalationContainer": securityContext("allowPrivilegeEscalation", \.allowPrivilegeEscalation, action)
        case "K8sPSPReadOnlyRootFilesystem": securityContext("readOnlyRootFilesystem", \.readOnlyRootFilesystem, action)
        case "K8sPSPCapabilities": capabilities(parameters, action)
        case "K8sPSPAllowedUsers": users(parameters, action)
        case "K8sPSPForbiddenSysctls": sysctls(parameters, action)
        case "K8sPSPHostNamespace": securityContext("hostNamespaces", \.hostNamespaces, action)
        case "K8sPSPHostNetworkingPorts": hostNetworkPorts(parameters, action)
        case "K8sPSPProcMount": procMount(parameters["procMount"], action)
        case "K8sPSPVolumeTypes": volumeTypes(parameters["volumes"], action)
        case "K8sPSPHostFilesystem": hostPaths(parameters["allowedHostPaths"], action)
        case "K8sPSPSeccomp": seccomp(parameters, action)
        case "K8sPSPAppArmor": appArmor(parameters, action)
        case "K8sPSPSELinuxV2": seLinux(parameters["allowedSELinuxOptions"], action)
        default: break
        }
        if let exempt = parameters["exemptImages"] {
            for entry in strings(exempt, parameter: "exemptImages") where !policy.images.exemptImages.contains(entry) {
                policy.images.exemptImages.append(entry)
            }
        }
        let known: Set<String> = [
            "repos", "allowedImages", "tags", "exemptImages", "allowedCapabilities", "requiredDropCapabilities",
            "runAsUser", "runAsGroup", "supplementalGroups", "fsGroup", "forbiddenSysctls", "allowedSysctls",
            "hostNetwork", "min", "max", "procMount", "volumes", "allowedHostPaths",
            "allowedProfiles", "allowedLocalhostFiles", "allowedSELinuxOptions",
        ]
        for key in Set(parameters.keys).sorted() where !known.contains(key) {
            note(.unsupported, "spec.parameters.\(key)", "unknown parameter; ignored")
        }
    }

    func finish() -> GatekeeperImport {
        var notes = notes
        // Both are policy-wide: known to reach other constraints' rules only once all are read.
        if imported.count > 1 {
            for constraint in namespaceExclusions {
                notes.append(GatekeeperImportNote(
                    kind: .broader, constraint: constraint, parameter: "spec.match.excludedNamespaces",
                    message: "exemptions.namespaces exempts these namespaces from every rule"))
            }
            if !policy.images.exemptImages.isEmpty {
                notes.append(GatekeeperImportNote(
                    kind: .broader, constraint: "all constraints", parameter: "exemptImages",
                    message: "images.exemptImages exempts a container from every rule, so the exemptions of each constraint now apply to the rules of the others"))
            }
        }
        return GatekeeperImport(policy: policy, notes: notes, imported: imported, unsupported: unsupported)
    }

    // MARK: Shared parts

    mutating func integer(_ value: JSONValue?, parameter: String) -> Int? {
        guard let value, !value.isNull else { return nil }
        guard let n = value.integerValue else {
            note(.unsupported, "spec.parameters.\(parameter)", "expected an integer, found \(value.typeName); ignored")
            return nil
        }
        return Int(n)
    }


    /// `deny` (or absent) denies, `warn` warns; `dryrun` only records in Gatekeeper's audit, the
    /// nearest Tidegate action is warn.
    mutating func action(_ value: JSONValue?) -> RuleAction? {
        switch value?.stringValue {
        case nil, "deny": return .deny
        case "warn": return .warn
        case "dryrun":
            note(.different, "spec.enforcementAction", "dryrun becomes warn (Tidegate has no per-rule audit-only action)")
            return .warn
        case let other?:
            note(.unsupported, "spec.enforcementAction", "unknown enforcementAction \"\(other)\"; not imported")
            return nil
        }
    }

    mutating func translateMatch(_ match: JSONValue?) {
        guard let match = match?.objectValue else { return }
        let excluded = strings(match["excludedNamespaces"], parameter: "match.excludedNamespaces")
        for name in excluded where !policy.exemptions.namespaces.contains(name) {
            policy.exemptions.namespaces.append(name)
        }
        if !excluded.isEmpty { namespaceExclusions.append(current) }
        if let namespaces = match["namespaces"]?.arrayValue, !namespaces.isEmpty {
            note(.different, "spec.match.namespaces", "Tidegate policies apply in every namespace not exempt; the rules also apply outside \(strings(match["namespaces"], parameter: "match.namespaces").joined(separator: ", "))")
        }
        for key in ["labelSelector", "namespaceSelector", "scope", "name"] where match[key] != nil {
            note(.different, "spec.match.\(key)", "cannot be expressed; the rules apply regardless")
        }
    }

    mutating func strings(_ value: JSONValue?, parameter: String) -> [String] {
        guard let value, !value.isNull else { return [] }
        let path = parameter.hasPrefix("match.") ? "spec.\(parameter)" : "spec.parameters.\(parameter)"
        guard let items = value.arrayValue else {
            note(.unsupported, path, "expected a list, found \(value.typeName); ignored")
            return []
        }
        return items.enumerated().compactMap { index, item in
            if let text = item.stringValue { return text }
            note(.unsupported, "\(path)[\(index)]", "expected a string, found \(item.typeName); ignored")
            return nil
        }
    }

    func stricter(_ a: RuleAction, _ b: RuleAction) -> RuleAction {
        if a == .deny || b == .deny { return .deny }
        if a == .warn || b == .warn { return .warn }
        return .off
    }

    mutating func note(_ kind: GatekeeperImportNote.Kind, _ parameter: String?, _ message: String) {
        notes.append(GatekeeperImportNote(kind: kind, constraint: current, parameter: parameter, message: message))
    }
}
