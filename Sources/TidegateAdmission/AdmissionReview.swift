import TidegateJSON
import TidegatePolicy

/// The parts of an `admission.k8s.io` AdmissionReview request that a decision reads.
public struct AdmissionReviewRequest: Sendable {
    public enum Version: String, Sendable {
        case v1 = "admission.k8s.io/v1"
        case v1beta1 = "admission.k8s.io/v1beta1"
    }

    public var version: Version
    public var uid: String
    /// `request.kind.kind`, e.g. `Pod`.
    public var kind: String
    /// `request.resource.resource`, e.g. `pods`.
    public var resource: String
    public var subResource: String
    public var operation: String
    public var namespace: String
    public var name: String
    public var username: String
    public var groups: [String]
    public var dryRun: Bool
    /// `request.object`; null for DELETE and CONNECT.
    public var object: JSONValue

    /// Builds the request envelope and, of the object, only what checks read (`ReadFields`);
    /// the rest — the old object, managedFields, env, status — is validated without being built.
    static func filter(for policy: Policy) -> JSONFieldFilter {
        .except(["request": .only([
            "uid": .all, "kind": .all, "resource": .all, "subResource": .all, "operation": .all,
            "namespace": .all, "name": .all, "userInfo": .only(["username": .all, "groups": .all]), "dryRun": .all,
            "object": ReadFields.object(for: policy),
        ])])
    }

    /// The filter for every check, whatever the policy.
    static let filter = filter(for: { var p = Policy(); p.podSecurity = PodSecuritySettings(level: .restricted); return p }())

    /// Decodes a review from request bytes, building only what `filter` keeps (by default,
    /// what any check reads).
    public init(bytes: [UInt8], filter: JSONFieldFilter? = nil) throws(AdmissionRequestError) {
        let document: JSONValue
        do {
            document = try JSONReader(filter: filter ?? Self.filter).parse(bytes)
        } catch {
            throw AdmissionRequestError("request body is not valid JSON: \(error)")
        }
        try self.init(document: document)
    }

    /// Decodes a review already parsed (the CLI reads files through the manifest reader).
    public init(document: JSONValue) throws(AdmissionRequestError) {
        guard let root = document.objectValue else {
            throw AdmissionRequestError("expected an AdmissionReview object, found \(document.typeName)")
        }
        guard root["kind"]?.stringValue == "AdmissionReview" else {
            throw AdmissionRequestError("kind must be \"AdmissionReview\"")
        }
        guard let apiVersion = root["apiVersion"]?.stringValue else {
            throw AdmissionRequestError("apiVersion is missing")
        }
        guard let version = Version(rawValue: apiVersion) else {
            throw AdmissionRequestError("unsupported apiVersion \"\(apiVersion)\" (expected admission.k8s.io/v1 or v1beta1)")
        }
        guard let request = root["request"]?.objectValue else {
            throw AdmissionRequestError("request is missing")
        }
        guard let uid = request["uid"]?.stringValue, !uid.isEmpty else {
            throw AdmissionRequestError("request.uid is missing")
        }
        func string(_ value: JSONValue?, _ field: String) throws(AdmissionRequestError) -> String {
            switch value {
            case nil, .null?: return ""
            case .string(let s)?: return s
            case let other?: throw AdmissionRequestError("\(field) must be a string, found \(other.typeName)")
            }
        }
        self.version = version
        self.uid = uid
        self.kind = try string(request["kind"]?["kind"], "request.kind.kind")
        self.resource = try string(request["resource"]?["resource"], "request.resource.resource")
        self.subResource = try string(request["subResource"], "request.subResource")
        self.operation = try string(request["operation"], "request.operation")
        self.namespace = try string(request["namespace"], "request.namespace")
        self.name = try string(request["name"], "request.name")
        let userInfo = request["userInfo"]
        self.username = try string(userInfo?["username"], "request.userInfo.username")
        self.groups = (userInfo?["groups"]?.arrayValue ?? []).compactMap(\.stringValue)
        self.dryRun = request["dryRun"]?.boolValue ?? false
        self.object = request["object"] ?? .null
        if operation.isEmpty { throw AdmissionRequestError("request.operation is missing") }
    }
}

/// The response half of an AdmissionReview, written in the request's version.
public struct AdmissionReviewResponse: Sendable, Equatable {
    public var version: AdmissionReviewRequest.Version
    public var uid: String
    public var allowed: Bool
    public var statusCode: Int?
    public var statusMessage: String? {
        get { statusMessageText.map { String(decoding: $0, as: UTF8.self) } }
        set { statusMessageText = newValue.map { Array($0.utf8) } }
    }
    /// The same text as UTF-8, the form a denial is built and written in.
    var statusMessageText: [UInt8]?
    /// Warning texts (each ≤ 120 bytes, together within 4096).
    public var warnings: [String] {
        get { warningTexts.strings }
        set { warningTexts = WarningTexts(newValue) }
    }
    /// The same texts as UTF-8, the form they are built and written in on every review.
    var warningTexts = WarningTexts()
    public var auditAnnotations: [(key: String, value: String)] = []
    /// A JSON Patch (mutating endpoint only).
    public var patch: JSONPatch?

    public init(version: AdmissionReviewRequest.Version, uid: String, allowed: Bool) {
        self.version = version
        self.uid = uid
        self.allowed = allowed
    }

    public var json: JSONValue {
        var response = JSONObject()
        response["uid"] = .string(uid)
        response["allowed"] = .bool(allowed)
        if let code = statusCode {
            var status = JSONObject()
            status["code"] = .number(JSONNumber(code))
            if code == 403 { status["reason"] = "Forbidden" }
            if let message = statusMessage { status["message"] = .string(message) }
            response["status"] = .object(status)
        }
        if let patch, !patch.operations.isEmpty {
            response["patchType"] = "JSONPatch"
            response["patch"] = .string(Base64.encode(JSONWriter().bytes(patch.json)))
        }
        if !warnings.isEmpty { response["warnings"] = .array(warnings.map(JSONValue.string)) }
        if !auditAnnotations.isEmpty {
            response["auditAnnotations"] = .object(JSONObject(auditAnnotations.map { (key: $0.key, value: .string($0.value)) }))
        }
        return [
            "apiVersion": .string(version.rawValue),
            "kind": "AdmissionReview",
            "response": .object(response),
        ]
    }

    /// The same document as `json`, written straight into bytes (the per-request path).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + (statusMessageText?.count ?? 0) + warningTexts.byteCount + 3 * warningTexts.count)
        // Fixed text goes in as whole literals (one append each): this runs for every review.
        switch version {
        case .v1: out.appendUTF8(#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"#)
        case .v1beta1: out.appendUTF8(#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","response":{"uid":"#)
        }
        JSONWriter.appendString(uid, into: &out)
        out.appendUTF8(allowed ? #","allowed":true"# : #","allowed":false"#)
        if let code = statusCode {
            out.appendUTF8(#","status":{"code":"#)
            out.appendUTF8(code == 403 ? #"403,"reason":"Forbidden""# : String(code))
            if let message = statusMessageText {
                out.appendUTF8(#","message":"#)
                message.withUnsafeBufferPointer { JSONWriter.appendString(utf8: $0, into: &out) }
            }
            out.append(UInt8(ascii: "}"))
        }
        if let patch, !patch.operations.isEmpty {
            out.appendUTF8(#","patchType":"JSONPatch","patch":"#)
            JSONWriter.appendString(Base64.encode(JSONWriter().bytes(patch.json)), into: &out)
        }
        if !warningTexts.isEmpty {
            out.appendUTF8(#","warnings":["#)
            warningTexts.forEach { i, text in
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.appendString(utf8: text, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        if !auditAnnotations.isEmpty {
            out.appendUTF8(#","auditAnnotations":{"#)
            for (i, a) in auditAnnotations.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.appendString(a.key, into: &out)
                out.append(UInt8(ascii: ":"))
                JSONWriter.appendString(a.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.appendUTF8("}}")
        return out
    }

    public static func == (a: AdmissionReviewResponse, b: AdmissionReviewResponse) -> Bool {
        a.json == b.json
    }
}
