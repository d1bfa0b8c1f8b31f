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
        var translator = Translator()
        for object in constraints { translator.add(object) }
        return translator.finish()
    }
}

private struct Translator {
    var policy = GatekeeperImporter.allOff
    var notes: [GatekeeperImportNote] = []
    var imported: [String] = []
    var unsupported: [String] = []
    var exemptImageSets: [[String]] = []
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
            let entries = strings(exempt, parameter: "exemptImages")
            exemptImageSets.append(entries)
            for entry in entries where !policy.images.exemptImages.contains(entry) {
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
        if imported.count > 1, exemptImageSets.contains(where: { !$0.isEmpty }) {
            notes.append(GatekeeperImportNote(
                kind: .broader, constraint: "all constraints", parameter: "exemptImages",
                message: "images.exemptImages exempts a container from every rule, so the exemptions of each constraint now apply to the rules of the others"))
        }
        return GatekeeperImport(policy: policy, notes: notes, imported: imported, unsupported: unsupported)
    }

    // MARK: Constraint kinds

    mutating func allowedRepos(_ value: JSONValue?, parameter: String, wildcards: Bool, _ action: RuleAction) {
        if policy.images.untrustedRegistry != .off {
            note(.broader, "spec.parameters.\(parameter)", "another constraint also lists registries; Tidegate trusts the union of both lists, Gatekeeper requires an image to pass each")
        }
        policy.images.untrustedRegistry = stricter(policy.images.untrustedRegistry, action)
        for (index, entry) in strings(value, parameter: parameter).enumerated() {
            let where_ = "spec.parameters.\(parameter)[\(index)] \"\(entry)\""
            for pattern in registryPatterns(entry, wildcards: wildcards, parameter: where_)
            where !policy.images.trustedRegistries.contains(pattern) {
                policy.images.trustedRegistries.append(pattern)
            }
        }
        if policy.images.trustedRegistries.isEmpty {
            note(.different, "spec.parameters.\(parameter)", "no entry could be read; every image is untrusted")
        }
    }

    /// The registry patterns that admit what a raw-prefix (`repos`) or exact/`*`-prefix
    /// (`allowedImages`) entry was meant to admit, judged on normalised references.
    mutating func registryPatterns(_ entry: String, wildcards: Bool, parameter: String) -> [RegistryPattern] {
        var body = Substring(entry)
        var isPrefix = !wildcards
        if wildcards, body.hasSuffix("*") {
            body = body.dropLast()
            isPrefix = true
        }
        if body.contains("*") {
            note(.unsupported, parameter, "a wildcard other than a trailing * cannot be expressed; entry ignored")
            return []
        }
        let endsAtSegment = body.hasSuffix("/")
        while body.hasSuffix("/") { body = body.dropLast() }
        if body.isEmpty {
            note(.unsupported, parameter, "an empty prefix admits every image; Tidegate cannot trust everything by prefix, entry ignored")
            return []
        }
        // A tag or digest narrows an exact image; trustedRegistries names repositories.
        var narrowed = false
        if let at = body.firstIndex(of: "@") {
            narrowed = true
            note(.broader, parameter, "the digest is dropped: every image of the repository is trusted")
            body = body[..<at]
        }
        let lastSlash = body.lastIndex(of: "/")
        let lastSegment = lastSlash.map { body[body.index(after: $0)...] } ?? body
        if let colon = lastSegment.lastIndex(of: ":"), lastSlash != nil || !lastSegment[lastSegment.index(after: colon)...].allSatisfy(\.isNumber) {
            narrowed = true
            note(.broader, parameter, "the tag \(lastSegment[colon...]) is dropped: every tag of the repository is trusted")
            body = body[..<colon]
        }
        var texts = [String(body)]
        var text: String { texts[0] }
        let firstSegment = text.split(separator: "/", maxSplits: 1).first.map(String.init) ?? text
        let firstIsHost = firstSegment == "localhost" || firstSegment.contains(".") || firstSegment.contains(":")
            || firstSegment.contains(where: \.isUppercase)
        if endsAtSegment, !text.contains("/"), !firstIsHost {
            // `openpolicyagent/` is a Docker Hub namespace, not the official image `openpolicyagent`.
            texts = ["docker.io/\(text)"]
        } else if isPrefix, !endsAtSegment, !narrowed, !text.contains("/"), !firstIsHost {
            // A bare word as a raw prefix admitted both the official image (`nginx:1`) and the
            // Docker Hub namespace (`nginx/x`); both stay, each on segment boundaries.
            texts = [text, "docker.io/\(text)"]
        }
        if isPrefix, !endsAtSegment {
            note(.different, parameter, "matched on whole path segments of the normalised reference, not as a raw prefix: \"\(entry)x\" no longer passes")
        } else if !isPrefix, !narrowed {
            note(.broader, parameter, "an exact image becomes its repository: any tag or digest of \(text) is trusted")
        }
        do {
            var patterns: [RegistryPattern] = []
            for text in texts { patterns.append(try RegistryPattern(text)) }
            return patterns
        } catch {
            note(.unsupported, parameter, "not a registry or repository Tidegate can match (\(error.reason)); entry ignored")
            return []
        }
    }

    mutating func disallowedTags(_ value: JSONValue?, _ action: RuleAction) {
        let tags = strings(value, parameter: "tags")
        policy.images.mutableTag = stricter(policy.images.mutableTag, action)
        for (index, tag) in tags.enumerated() where tag != "latest" {
            note(.unsupported, "spec.parameters.tags[\(index)] \"\(tag)\"",
                 "images.mutableTag denies only untagged and :latest images; this tag is not enforced")
        }
    }

    mutating func securityContext(_ key: String, _ keyPath: WritableKeyPath<SecurityContextRules, RuleAction>, _ action: RuleAction) {
        policy.securityContext[keyPath: keyPath] = stricter(policy.securityContext[keyPath: keyPath], action)
        if !policy.securityContext.skipOnUpdate.contains(key) { policy.securityContext.skipOnUpdate.append(key) }
    }

    mutating func capabilities(_ parameters: JSONObject, _ action: RuleAction) {
        let allowed = strings(parameters["allowedCapabilities"], parameter: "allowedCapabilities")
        if allowed.contains("*") {
            note(.different, "spec.parameters.allowedCapabilities", "\"*\" allows every capability; securityContext.capabilities stays off")
        } else {
            if policy.securityContext.capabilities != .off {
                note(.broader, "spec.parameters.allowedCapabilities", "another constraint also lists capabilities; Tidegate allows the union")
            }
            securityContext("capabilities", \.capabilities, action)
            for name in allowed where !policy.securityContext.allowedCapabilities.contains(name) {
                policy.securityContext.allowedCapabilities.append(name)
            }
        }
        let drops = strings(parameters["requiredDropCapabilities"], parameter: "requiredDropCapabilities")
        if drops.contains(where: { $0.uppercased() == "ALL" }) {
            securityContext("requireDropAll", \.requireDropAll, action)
        } else if !drops.isEmpty {
            note(.unsupported, "spec.parameters.requiredDropCapabilities",
                 "Tidegate can require dropping ALL, not single capabilities; not enforced")
        }
    }

    mutating func users(_ parameters: JSONObject, _ action: RuleAction) {
        switch parameters["runAsUser"]?["rule"]?.stringValue {
        case "MustRunAsNonRoot": securityContext("runAsNonRoot", \.runAsNonRoot, action)
        case "RunAsAny", nil: break
        case let rule?:
            note(.unsupported, "spec.parameters.runAsUser.rule", "\(rule) (uid ranges) cannot be expressed; not enforced")
        }
        for key in ["runAsGroup", "supplementalGroups", "fsGroup"] {
            guard let rule = parameters[key]?["rule"]?.stringValue, rule != "RunAsAny" else { continue }
            note(.unsupported, "spec.parameters.\(key).rule", "\(rule) cannot be expressed; not enforced")
        }
    }

    mutating func sysctls(_ parameters: JSONObject, _ action: RuleAction) {
        let first = policy.securityContext.sysctls == .off
        if !first {
            note(.broader, "spec.parameters", "another constraint also judges sysctls; Tidegate forbids the union of the forbidden lists and allows the union of the allowed lists")
        }
        securityContext("sysctls", \.sysctls, action)
        for name in strings(parameters["forbiddenSysctls"], parameter: "forbiddenSysctls")
        where !policy.securityContext.forbiddenSysctls.contains(name) {
            policy.securityContext.forbiddenSysctls.append(name)
        }
        // An absent allowedSysctls allows every sysctl that is not forbidden; an empty one, none.
        let allowed = parameters["allowedSysctls"].map { strings($0, parameter: "allowedSysctls") } ?? ["*"]
        let previous = policy.securityContext.allowedSysctls
        policy.securityContext.allowedSysctls = first ? allowed : previous + allowed.filter { !previous.contains($0) }
    }

    mutating func hostNetworkPorts(_ parameters: JSONObject, _ action: RuleAction) {
        if parameters["hostNetwork"]?.boolValue != true {
            securityContext("hostNetwork", \.hostNetwork, action)
        }
        let min = integer(parameters["min"], parameter: "min")
        let max = integer(parameters["max"], parameter: "max")
        guard min != nil || max != nil else { return }
        if policy.securityContext.hostPorts != .off {
            note(.broader, "spec.parameters.min", "another constraint also limits host ports; Tidegate allows the union of the ranges")
        }
        let range = "\(min.map(String.init) ?? "")-\(max.map(String.init) ?? "")"
        guard HostPortRange(range) != nil else {
            note(.unsupported, "spec.parameters.min", "\(range) is not a port range within 1-65535; host ports are not limited")
            return
        }
        securityContext("hostPorts", \.hostPorts, action)
        if !policy.securityContext.allowedHostPorts.contains(range) { policy.securityContext.allowedHostPorts.append(range) }
    }

    mutating func procMount(_ value: JSONValue?, _ action: RuleAction) {
        switch value?.stringValue?.lowercased() {
        case "unmasked": break  // every procMount is allowed
        case "default", nil: securityContext("procMount", \.procMount, action)
        case let other?:
            note(.different, "spec.parameters.procMount", "unknown value \"\(other)\" is read as Default")
            securityContext("procMount", \.procMount, action)
        }
    }

    mutating func volumeTypes(_ value: JSONValue?, _ action: RuleAction) {
        if policy.securityContext.volumeTypes != .off {
            note(.broader, "spec.parameters.volumes", "another constraint also lists volume types; Tidegate allows the union")
        }
        securityContext("volumeTypes", \.volumeTypes, action)
        for type in strings(value, parameter: "volumes") where !policy.securityContext.allowedVolumeTypes.contains(type) {
            policy.securityContext.allowedVolumeTypes.append(type)
        }
    }

    mutating func hostPaths(_ value: JSONValue?, _ action: RuleAction) {
        if policy.securityContext.hostPaths != .off {
            note(.broader, "spec.parameters.allowedHostPaths", "another constraint also lists host paths; Tidegate allows the union")
        }
        securityContext("hostPaths", \.hostPaths, action)
        guard let value, !value.isNull else { return }
        guard let entries = value.arrayValue else {
            note(.unsupported, "spec.parameters.allowedHostPaths", "expected a list, found \(value.typeName); no host path is allowed")
            return
        }
        for (index, entry) in entries.enumerated() {
            guard let prefix = entry["pathPrefix"]?.stringValue else {
                note(.unsupported, "spec.parameters.allowedHostPaths[\(index)]", "no pathPrefix; entry ignored")
                continue
            }
            if entry["readOnly"]?.boolValue == true {
                policy.securityContext.readOnlyHostPaths.append(prefix)
            } else {
                policy.securityContext.allowedHostPaths.append(prefix)
            }
        }
    }

    /// Unlike the other pod-security-policy templates, seccomp and AppArmor judge UPDATE
    /// requests too, so these rules are not added to `skipOnUpdate`.
    mutating func seccomp(_ parameters: JSONObject, _ action: RuleAction) {
        if policy.securityContext.seccompProfile != .off {
            note(.broader, "spec.parameters.allowedProfiles", "another constraint also lists seccomp profiles; Tidegate allows the union")
        }
        policy.securityContext.seccompProfile = stricter(policy.securityContext.seccompProfile, action)
        var allowed = strings(parameters["allowedProfiles"], parameter: "allowedProfiles")
        allowed += strings(parameters["allowedLocalhostFiles"], parameter: "allowedLocalhostFiles").map { "localhost/\($0)" }
        for entry in allowed where !policy.securityContext.allowedSeccompProfiles.contains(entry) {
            policy.securityContext.allowedSeccompProfiles.append(entry)
        }
    }

    mutating func appArmor(_ parameters: JSONObject, _ action: RuleAction) {
        if policy.securityContext.appArmorProfile != .off {
            note(.broader, "spec.parameters.allowedProfiles", "another constraint also lists AppArmor profiles; Tidegate allows the union")
        }
        policy.securityContext.appArmorProfile = stricter(policy.securityContext.appArmorProfile, action)
        for entry in strings(parameters["allowedProfiles"], parameter: "allowedProfiles")
        where !policy.securityContext.allowedAppArmorProfiles.contains(entry) {
            policy.securityContext.allowedAppArmorProfiles.append(entry)
        }
    }

    mutating func seLinux(_ value: JSONValue?, _ action: RuleAction) {
        if policy.securityContext.seLinuxOptions != .off {
            note(.broader, "spec.parameters.allowedSELinuxOptions", "another constraint also lists SELinux options; Tidegate allows the union")
        }
        securityContext("seLinuxOptions", \.seLinuxOptions, action)
        for (index, entry) in (value?.arrayValue ?? []).enumerated() {
            let parts = ["user", "role", "type", "level"].map { entry[$0]?.stringValue ?? "" }
            if parts.dropLast().contains(where: { $0.contains(":") }) {
                note(.unsupported, "spec.parameters.allowedSELinuxOptions[\(index)]", "a user, role or type containing \":\" cannot be written as a label; entry ignored")
                continue
            }
            let label = parts.joined(separator: ":")
            if !policy.securityContext.allowedSELinuxOptions.contains(label) { policy.securityContext.allowedSELinuxOptions.append(label) }
        }
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
        for name in strings(match["excludedNamespaces"], parameter: "match.excludedNamespaces")
        where !policy.exemptions.namespaces.contains(name) {
            policy.exemptions.namespaces.append(name)
        }
        if match["excludedNamespaces"] != nil, imported.count > 1 {
            note(.broader, "spec.match.excludedNamespaces", "exemptions.namespaces exempts these namespaces from every rule")
        }
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
