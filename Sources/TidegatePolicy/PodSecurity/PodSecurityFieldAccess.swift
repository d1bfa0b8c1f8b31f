import TidegateJSON

// Member reads go through `JSONObject`'s subscript, which compares key lengths first and, like
// the apiserver, takes the last of a repeated name. The pod's and each container's
// `securityContext` and `isWindows` are read once by `PodUnderReview`.

extension PodUnderReview {
    /// The container visitor for the standards' checks. `body` gets the index of each
    /// container in `scope` (read it through `containers[index]`) and appends to one result
    /// array: one array per check, not one per container.
    @inline(__always)
    func eachContainer(_ scope: ContainerScope, _ body: (Int, inout [Violation]) -> Void) -> [Violation] {
        var out: [Violation] = []
        for i in containers.indices where scope.includes(containers[i].ref.kind) {
            body(i, &out)
        }
        return out
    }
}

/// Whose `securityContext` a check reads: the pod's or one container's. Paths and names are
/// built from it only once there is something to report.
enum SecurityContextOwner {
    case pod
    case container(Int)
}

extension PodUnderReview {
    func securityContext(of owner: SecurityContextOwner) -> JSONObject? {
        switch owner {
        case .pod: podSecurityContext
        case .container(let i): containers[i].securityContext
        }
    }

    func securityContextPath(of owner: SecurityContextOwner) -> JSONPointer {
        switch owner {
        case .pod: podSecurityContextPath
        case .container(let i): containers[i].securityContextPath
        }
    }

    /// The container to name in the finding; nil for the pod.
    func ref(of owner: SecurityContextOwner) -> ContainerRef? {
        switch owner {
        case .pod: nil
        case .container(let i): containers[i].ref
        }
    }

    /// Runs `body` on the pod's securityContext (when pod fields are under review) and on each
    /// container's in scope.
    @inline(__always)
    func eachSecurityContext(_ context: CheckContext, _ body: (SecurityContextOwner, inout [Violation]) -> Void) -> [Violation] {
        var out: [Violation] = []
        if context.reviewsPodFields { body(.pod, &out) }
        for i in containers.indices where context.scope.includes(containers[i].ref.kind) {
            body(.container(i), &out)
        }
        return out
    }
}

extension String {
    /// Whether this is one of `names`, comparing lengths first (cheaper than hashing for the
    /// handful of short names a check allows).
    @inline(__always)
    func isOne(of names: [String]) -> Bool {
        let length = utf8.count
        for name in names where name.utf8.count == length && name == self { return true }
        return false
    }
}
