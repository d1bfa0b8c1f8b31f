import TidegateJSON

/// Which list a container sits in.
public enum ContainerKind: String, Sendable, CaseIterable {
    case containers
    case initContainers
    case ephemeralContainers

    /// How people name it in messages: "container", "initContainer", "ephemeralContainer".
    public var noun: String {
        switch self {
        case .containers: "container"
        case .initContainers: "initContainer"
        case .ephemeralContainers: "ephemeralContainer"
        }
    }
}

/// Names one container of the object under review.
public struct ContainerRef: Sendable, Equatable, Hashable {
    public var kind: ContainerKind
    public var index: Int
    public var name: String

    public init(kind: ContainerKind, index: Int, name: String) {
        self.kind = kind
        self.index = index
        self.name = name
    }
}

/// A mechanical remedy: RFC 6902 operations against the submitted object.
public struct Fix: Sendable, Equatable {
    /// One line a person reads: "set allowPrivilegeEscalation: false".
    public var summary: String
    public var operations: [PatchOperation]

    public init(_ summary: String, _ operations: [PatchOperation]) {
        self.summary = summary
        self.operations = operations
    }
}

/// What a check reports before the policy decides how hard it bites.
public struct Violation: Sendable, Equatable {
    /// JSON Pointer of the offending (or missing) field in the submitted object.
    public var path: JSONPointer
    public var container: ContainerRef?
    /// The reason, without the container prefix.
    public var message: String
    public var fix: Fix?

    public init(path: JSONPointer, container: ContainerRef?, message: String, fix: Fix? = nil) {
        self.path = path
        self.container = container
        self.message = message
        self.fix = fix
    }
}

/// A violation with the action the policy gives its rule.
public struct Finding: Sendable, Equatable {
    public var rule: String
    /// `.deny` or `.warn`; rules set to `.off` produce no findings.
    public var action: RuleAction
    public var path: JSONPointer
    public var container: ContainerRef?
    /// The sentence without the container prefix, for output already grouped by container.
    public var reason: String
    public var fix: Fix?

    /// The full sentence: `container "web": image "..." is not from a trusted registry`. Built
    /// when read: most findings of a review are only counted or listed by rule.
    public var message: String {
        guard container != nil else { return reason }
        var out: [UInt8] = []
        out.reserveCapacity(reason.utf8.count + 48)
        appendMessage(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `message`, appended as UTF-8 (the webhook's texts are built as bytes).
    public func appendMessage(into out: inout [UInt8]) {
        if let c = container {
            out.appendUTF8(c.kind.noun)
            out.appendUTF8(" \"")
            out.appendUTF8(c.name)
            out.appendUTF8("\": ")
        }
        out.appendUTF8(reason)
    }

    public init(rule: String, action: RuleAction, violation: Violation) {
        self.rule = rule
        self.action = action
        self.path = violation.path
        self.container = violation.container
        self.fix = violation.fix
        self.reason = violation.message
    }
}
