/// Stable rule identifiers. Each is the policy-file key that sets its action, so a finding's
/// `rule` tells the reader exactly which line of the policy to change.
public enum RuleID {
    public static let invalidReference = "images.invalidReference"
    public static let untrustedRegistry = "images.untrustedRegistry"
    public static let implicitRegistry = "images.implicitRegistry"
    public static let mutableTag = "images.mutableTag"
    public static let requireDigest = "images.requireDigest"
    public static let tagWithDigest = "images.tagWithDigest"

    public static let runAsNonRoot = "securityContext.runAsNonRoot"
    public static let capabilities = "securityContext.capabilities"
    public static let requireDropAll = "securityContext.requireDropAll"
    public static let privileged = "securityContext.privileged"
    public static let allowPrivilegeEscalation = "securityContext.allowPrivilegeEscalation"
    public static let readOnlyRootFilesystem = "securityContext.readOnlyRootFilesystem"
    public static let misplacedFields = "securityContext.misplacedFields"
    public static let runAsUserUnset = "securityContext.runAsUserUnset"
    public static let sysctls = "securityContext.sysctls"
    public static let hostNetwork = "securityContext.hostNetwork"
    public static let hostNamespaces = "securityContext.hostNamespaces"
    public static let hostPorts = "securityContext.hostPorts"
    public static let procMount = "securityContext.procMount"
    public static let volumeTypes = "securityContext.volumeTypes"
    public static let hostPaths = "securityContext.hostPaths"
    public static let seccompProfile = "securityContext.seccompProfile"
    public static let appArmorProfile = "securityContext.appArmorProfile"
    public static let seLinuxOptions = "securityContext.seLinuxOptions"
}
