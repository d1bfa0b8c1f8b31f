import TidegateHTTP

extension HTTP1Parser {
    /// `method SP request-target SP HTTP-version`, with exactly one space between the parts.
    mutating func parseRequestLine(_ line: UnsafeRawBufferPointer) -> HTTP1Error? {
        var methodEnd = 0
        while methodEnd < line.count, isTokenByte(line[methodEnd]) { methodEnd += 1 }
        guard methodEnd > 0, methodEnd < line.count, line[methodEnd] == ASCII.space else {
            return HTTP1Error(status: 400, reason: "malformed method in request line")
        }
        let targetStart = methodEnd + 1
        var targetEnd = targetStart
        while targetEnd < line.count, line[targetEnd] != ASCII.space { targetEnd += 1 }
        guard targetEnd > targetStart, targetEnd < line.count else {
            return HTTP1Error(status: 400, reason: "malformed request line")
        }
        if let error = parseVersion(line.slice((targetEnd + 1)..<line.count)) { return error }

        let method = line.slice(0..<methodEnd)
        let target = line.slice(targetStart..<targetEnd)
        for b in target where b < 0x21 || b > 0x7E {
            return HTTP1Error(status: 400, reason: "invalid character in request target")
        }
        switch target[0] {
        case ASCII.slash:
            pending.target = target.string
        case ASCII.asterisk where target.count == 1:
            guard method.equals("OPTIONS") else {
                return HTTP1Error(status: 400, reason: "asterisk-form target is only valid for OPTIONS")
            }
            pending.target = "*"
        default:
            guard let path = originFormOfAbsoluteTarget(target) else {
                return HTTP1Error(status: 400, reason: "request target must be origin-form or absolute-form")
            }
            pending.target = path
        }
        pending.method = method.string
        pending.timeLimit = RequestTimeout.of(target: pending.target)
        return nil
    }

    /// `HTTP/1.1` or `HTTP/1.0`; other well-formed versions are 505, anything else is 400.
    private mutating func parseVersion(_ v: UnsafeRawBufferPointer) -> HTTP1Error? {
        guard v.count == 8, v[0] == 0x48, v[1] == 0x54, v[2] == 0x54, v[3] == 0x50, v[4] == ASCII.slash,
              (0x30...0x39).contains(v[5]), v[6] == 0x2E, (0x30...0x39).contains(v[7])
        else {
            return HTTP1Error(status: 400, reason: "malformed HTTP version")
        }
        switch (v[5], v[7]) {
        case (0x31, 0x31): pending.isHTTP10 = false
        case (0x31, 0x30): pending.isHTTP10 = true
        default: return HTTP1Error(status: 505, reason: "only HTTP/1.0 and HTTP/1.1 are supported")
        }
        return nil
    }

    /// `http://authority/path?query` -> `/path?query`: handlers route on the path alone.
    private func originFormOfAbsoluteTarget(_ target: UnsafeRawBufferPointer) -> String? {
        var schemeEnd = 0
        if target.count > 7, target.slice(0..<7).equalsLowercased("http://") {
            schemeEnd = 7
        } else if target.count > 8, target.slice(0..<8).equalsLowercased("https://") {
            schemeEnd = 8
        } else {
            return nil
        }
        var pathStart = schemeEnd
        while pathStart < target.count, target[pathStart] != ASCII.slash, target[pathStart] != ASCII.question {
            pathStart += 1
        }
        guard pathStart > schemeEnd else { return nil }
        let rest = target.slice(pathStart..<target.count)
        if rest.isEmpty { return "/" }
        return rest[0] == ASCII.slash ? rest.string : "/" + rest.string
    }
}
