import TidegateJSON

/// Kinds that carry a pod spec, and where each keeps it.
public enum WorkloadKind: String, Sendable, CaseIterable {
    case pod = "Pod"
    case deployment = "Deployment"
    case replicaSet = "ReplicaSet"
    case statefulSet = "StatefulSet"
    case daemonSet = "DaemonSet"
    case job = "Job"
    case cronJob = "CronJob"
    case replicationController = "ReplicationController"
    case podTemplate = "PodTemplate"

    /// JSON Pointer of the pod spec inside an object of this kind.
    public var podSpecPath: JSONPointer {
        switch self {
        case .pod: Self.podSpec
        case .deployment, .replicaSet, .statefulSet, .daemonSet, .job, .replicationController: Self.templateSpec
        case .cronJob: Self.jobTemplateSpec
        case .podTemplate: Self.podTemplateSpec
        }
    }

    /// JSON Pointer of the pod's metadata (annotations live there).
    public var podMetadataPath: JSONPointer {
        switch self {
        case .pod: Self.podMetadata
        case .deployment, .replicaSet, .statefulSet, .daemonSet, .job, .replicationController: Self.templateMetadata
        case .cronJob: Self.jobTemplateMetadata
        case .podTemplate: Self.podTemplateMetadata
        }
    }

    // Built once: every review asks for them.
    private static let podSpec = JSONPointer(tokens: ["spec"])
    private static let templateSpec = JSONPointer(tokens: ["spec", "template", "spec"])
    private static let jobTemplateSpec = JSONPointer(tokens: ["spec", "jobTemplate", "spec", "template", "spec"])
    private static let podTemplateSpec = JSONPointer(tokens: ["template", "spec"])
    private static let podMetadata = JSONPointer(tokens: ["metadata"])
    private static let templateMetadata = JSONPointer(tokens: ["spec", "template", "metadata"])
    private static let jobTemplateMetadata = JSONPointer(tokens: ["spec", "jobTemplate", "spec", "template", "metadata"])
    private static let podTemplateMetadata = JSONPointer(tokens: ["template", "metadata"])
}

/// One pod spec found in a submitted object, with everything checks read from it. A class:
/// every check of a review reads it, and copying a struct of this many references cost each
/// check ~20 retains and releases.
public final class PodUnderReview: Sendable {
    public let kind: WorkloadKind
    /// The whole submitted object; fixes are computed against it.
    public let object: JSONValue
    public let specPath: JSONPointer
    public let spec: JSONObject
    public let metadataPath: JSONPointer
    /// Read when asked for: only annotation-based profile checks look at it.
    public var metadata: JSONObject? { object.value(at: metadataPath)?.objectValue }
    /// Every container, in the order containers, initContainers, ephemeralContainers.
    public let containers: [ContainerView]

    /// Finds the pod spec of `object`. Nil when the kind carries no pod spec (such objects are
    /// allowed untouched) or the spec is absent.
    public convenience init?(object: JSONValue) {
        guard let kindName = object["kind"]?.stringValue, let kind = WorkloadKind(rawValue: kindName) else { return nil }
        self.init(object: object, kind: kind)
    }

    public init?(object: JSONValue, kind: WorkloadKind) {
        let specPath = kind.podSpecPath
        guard let spec = object.value(at: specPath)?.objectValue else { return nil }
        self.kind = kind
        self.object = object
        self.specPath = specPath
        self.spec = spec
        self.metadataPath = kind.podMetadataPath
        let podSecurityContext = spec["securityContext"]?.objectValue
        let isWindows = spec["os"]?["name"]?.stringValue == "windows"
        var containers: [ContainerView] = []
        for containerKind in ContainerKind.allCases {
            guard let list = spec[containerKind.rawValue]?.arrayValue else { continue }
            for (index, value) in list.enumerated() {
                guard let body = value.objectValue else { continue }
                let name = body["name"]?.stringValue ?? "#\(index)"
                // Init containers often run the main container's image: parse each text once.
                let text = body["image"]?.stringValue
                let image = containers.first { text != nil && $0.imageText == text }?.image ?? ContainerImage.read(body: body)
                containers.append(ContainerView(
                    ref: ContainerRef(kind: containerKind, index: index, name: name),
                    body: body,
                    path: Self.containerPath(specPath, containerKind, index),
                    image: image, imageText: text,
                    pod: (isWindows, podSecurityContext, specPath)))
            }
        }
        self.containers = containers
        self.podSecurityContext = podSecurityContext
        self.isWindows = isWindows
    }

    /// `<spec>/<kind>/<index>`, built into one array: with `/` each step copied the tokens again.
    private static func containerPath(_ spec: JSONPointer, _ kind: ContainerKind, _ index: Int) -> JSONPointer {
        var tokens: [String] = []
        tokens.reserveCapacity(spec.tokens.count + 2)
        tokens.append(contentsOf: spec.tokens)
        tokens.append(kind.rawValue)
        tokens.append(index < indexTokens.count ? indexTokens[index] : String(index))
        return JSONPointer(tokens: tokens)
    }

    /// Array indices as pointer tokens, made once (pods rarely have more containers).
    private static let indexTokens = (0..<32).map { String($0) }

    /// The pod-level `securityContext`, when it is an object. Read once: every container's
    /// effective settings start from it.
    public let podSecurityContext: JSONObject?
    public var podSecurityContextPath: JSONPointer { specPath / "securityContext" }

    /// `spec.os.name == windows`: Linux-only rules do not apply.
    public let isWindows: Bool
}

/// One container as checks see it. A class: every check visits every container, and handing
/// one reference around is cheaper than copying four reference-counted fields each time.
public final class ContainerView: Sendable {
    public let ref: ContainerRef
    public let body: JSONObject
    /// JSON Pointer of the container object itself.
    public let path: JSONPointer
    /// The `image` field, parsed once for every check that reads it.
    let image: ContainerImage.Reading
    /// The `image` field when it is a string.
    let imageText: String?

    /// The container's effective security settings (its own, else the pod's), read on demand.
    let settings: SecurityContextReader

    init(ref: ContainerRef, body: JSONObject, path: JSONPointer, image: ContainerImage.Reading, imageText: String?,
         pod: (isWindows: Bool, securityContext: JSONObject?, specPath: JSONPointer)) {
        self.imageText = imageText
        self.ref = ref
        self.body = body
        self.path = path
        self.image = image
        let securityContext = body["securityContext"]?.objectValue
        self.securityContext = securityContext
        self.settings = SecurityContextReader(
            isWindows: pod.isWindows, podSecurityContext: pod.securityContext, securityContext: securityContext,
            specPath: pod.specPath, containerPath: path)
    }

    /// The container's `securityContext`, when it is an object; read once for every check.
    public let securityContext: JSONObject?
    /// Built when a finding points into it: most containers produce none.
    public var securityContextPath: JSONPointer { path / "securityContext" }
}

extension PodUnderReview {
    /// The shared container visitor: runs `body` on every container in `scope` and gathers
    /// what it reports.
    public func visitContainers(_ scope: ContainerScope = .all, _ body: (ContainerView) -> [Violation]) -> [Violation] {
        var out: [Violation] = []
        for c in containers where scope.includes(c.ref.kind) {
            let found = body(c)
            // Appending even an empty array to the shared empty one allocates a new buffer: that
            // was an allocation per check and container.
            if !found.isEmpty {
                if out.isEmpty { out.reserveCapacity(containers.count) }
                out.append(contentsOf: found)
            }
        }
        return out
    }
}

/// Which containers a review covers: `pods/ephemeralcontainers` updates only the ephemeral ones.
public enum ContainerScope: Sendable, Equatable {
    case all
    case ephemeralOnly

    public func includes(_ kind: ContainerKind) -> Bool {
        self == .all || kind == .ephemeralContainers
    }
}
