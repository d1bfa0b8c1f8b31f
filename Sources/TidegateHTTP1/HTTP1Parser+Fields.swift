import TidegateHTTP

extension HTTP1Parser {
    /// Splits `name: value`, enforcing the rules whose violations enable request smuggling.
    private func splitField(_ line: UnsafeRawBufferPointer) -> Result<(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer), HTTP1Error> {
        if isOptionalWhitespace(line[0]) {
            return .failure(HTTP1Error(status: 400, reason: "obsolete line folding is not accepted"))
        }
        var colon = 0
        while colon < line.count, isTokenByte(line[colon]) { colon += 1 }
        guard colon < line.count, line[colon] == ASCII.colon else {
            if colon < line.count, isOptionalWhitespace(line[colon]) {
                return .failure(HTTP1Error(status: 400, reason: "whitespace between field name and colon"))
            }
            return .failure(HTTP1Error(status: 400, reason: "invalid character in field name"))
        }
        guard colon > 0 else { return .failure(HTTP1Error(status: 400, reason: "empty field name")) }
        let value = line.slice((colon + 1)..<line.count).trimmingWhitespace()
        for b in value where !isFieldValueByte(b) {
            return .failure(HTTP1Error(status: 400, reason: "control character in field value"))
        }
        return .success((line.slice(0..<colon), value))
    }

    mutating func parseFieldLine(_ line: UnsafeRawBufferPointer) -> HTTP1Error? {
        pending.fieldCount += 1
        if pending.fieldCount > limits.maxHeaderCount {
            return HTTP1Error(status: 431, reason: "more than \(limits.maxHeaderCount) header fields")
        }
        let name: UnsafeRawBufferPointer
        let value: UnsafeRawBufferPointer
        switch splitField(line) {
        case .failure(let error): return error
        case .success(let field): (name, value) = field
        }
        if let error = noteFramingField(name: name, value: value) { return error }
        pending.headers.add(lowercasedName: name.lowercasedTokenString, value: value.string)
        return nil
    }

    /// Trailer fields are checked like header fields, then dropped: nothing here reads them and
    /// merging them into the headers would let a trailer override framing decisions.
    mutating func parseTrailerLine(_ line: UnsafeRawBufferPointer) -> HTTP1Error? {
        pending.fieldCount += 1
        if pending.fieldCount > limits.maxHeaderCount {
            return HTTP1Error(status: 431, reason: "more than \(limits.maxHeaderCount) header and trailer fields")
        }
        if case .failure(let error) = splitField(line) { return error }
        return nil
    }

    /// Records the fields that decide how the message is framed and whether the connection lives on.
    private mutating func noteFramingField(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> HTTP1Error? {
        switch name.count {
        case 4 where name.equalsLowercased("host"):
            pending.hostCount += 1
            if pending.hostCount > 1 { return HTTP1Error(status: 400, reason: "more than one Host field") }
        case 6 where name.equalsLowercased("expect"):
            if value.equalsLowercased("100-continue") {
                pending.expectsContinue = true
            } else {
                pending.unknownExpectation = true
            }
        case 10 where name.equalsLowercased("connection"):
            forEachListElement(value) { token in
                if token.equalsLowercased("close") { pending.connectionClose = true }
                if token.equalsLowercased("keep-alive") { pending.connectionKeepAlive = true }
            }
        case 14 where name.equalsLowercased("content-length"):
            return noteContentLength(value)
        case 17 where name.equalsLowercased("transfer-encoding"):
            if pending.chunked || !value.equalsLowercased("chunked") {
                return HTTP1Error(status: 501, reason: "only a single 'chunked' transfer coding is supported")
            }
            pending.chunked = true
        default:
            break
        }
        return nil
    }

    private mutating func noteContentLength(_ value: UnsafeRawBufferPointer) -> HTTP1Error? {
        if pending.contentLength != nil {
            return HTTP1Error(status: 400, reason: "more than one Content-Length")
        }
        guard !value.isEmpty else { return HTTP1Error(status: 400, reason: "empty Content-Length") }
        // Saturating just above the limit keeps a 30-digit value from overflowing while still
        // telling "too large" (413) apart from "malformed" (400).
        let ceiling = limits.maxBodyBytes == Int.max ? Int.max : limits.maxBodyBytes + 1
        var length = 0
        for b in value {
            guard b >= 0x30 && b <= 0x39 else {
                return HTTP1Error(status: 400, reason: "Content-Length is not a decimal number")
            }
            let (times10, overflow) = length.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times10.addingReportingOverflow(Int(b - 0x30))
            length = overflow || carry ? ceiling : min(sum, ceiling)
        }
        pending.contentLength = length
        return nil
    }

    private func forEachListElement(_ value: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        var start = 0
        for i in 0...value.count where i == value.count || value[i] == ASCII.comma {
            body(value.slice(start..<i).trimmingWhitespace())
            start = i + 1
        }
    }

    /// The header section is complete: decide the framing, or refuse before reading the body.
    mutating func finishHeaders(_ events: inout [HTTP1Event]) -> HTTP1Error? {
        if !pending.isHTTP10 && pending.hostCount == 0 {
            return HTTP1Error(status: 400, reason: "HTTP/1.1 request without Host")
        }
        if pending.chunked {
            if pending.isHTTP10 {
                return HTTP1Error(status: 400, reason: "Transfer-Encoding in an HTTP/1.0 request")
            }
            if pending.contentLength != nil {
                return HTTP1Error(status: 400, reason: "both Content-Length and Transfer-Encoding")
            }
        }
        // HTTP/1.0 peers do not know expectations (RFC 9110 §10.1.1): ignore theirs.
        if pending.unknownExpectation && !pending.isHTTP10 {
            return HTTP1Error(status: 417, reason: "only the 100-continue expectation is supported")
        }
        if let length = pending.contentLength, length > limits.maxBodyBytes {
            return .bodyTooLarge(limits)
        }
        let length: Int
        if pending.chunked {
            length = -1
        } else if let declared = pending.contentLength {
            length = declared
        } else if pending.method == "POST" || pending.method == "PUT" || pending.method == "PATCH" {
            return HTTP1Error(status: 411, reason: "\(pending.method) needs a Content-Length or chunked body")
        } else {
            length = 0
        }
        if pending.expectsContinue && !pending.isHTTP10 && length != 0 {
            events.append(.sendContinue)
        }
        switch length {
        case 0:
            completeRequest(&events)
        case -1:
            state = .chunkSize
        default:
            // A declared length is a promise, not bytes: reserving all of it up front would let
            // idle peers pin maxBodyBytes each. Typical reviews fit the first allocation; larger
            // bodies grow geometrically with what actually arrives.
            pending.body.reserveCapacity(min(length, Self.initialBodyCapacity))
            state = .fixedBody(remaining: length)
        }
        return nil
    }

    /// `chunk-size [ chunk-ext ] CRLF`; extensions are tolerated and ignored.
    mutating func parseChunkSize(_ line: UnsafeRawBufferPointer) -> HTTP1Error? {
        var size = 0
        var i = 0
        while i < line.count, let digit = hexValue(line[i]) {
            if size > (Int.max >> 4) { return HTTP1Error(status: 400, reason: "chunk size overflows") }
            size = size << 4 | digit
            i += 1
        }
        guard i > 0 else { return HTTP1Error(status: 400, reason: "invalid chunk size") }
        while i < line.count, isOptionalWhitespace(line[i]) { i += 1 }
        if i < line.count {
            guard line[i] == ASCII.semicolon else { return HTTP1Error(status: 400, reason: "invalid chunk size") }
            for b in line.slice(i..<line.count) where !isFieldValueByte(b) {
                return HTTP1Error(status: 400, reason: "control character in chunk extension")
            }
        }
        if size == 0 {
            state = .trailers
        } else if size > limits.maxBodyBytes - pending.body.count {
            return .bodyTooLarge(limits)
        } else {
            state = .chunkData(remaining: size)
        }
        return nil
    }
}

extension HTTP1Error {
    static func bodyTooLarge(_ limits: HTTPLimits) -> HTTP1Error {
        HTTP1Error(status: 413, reason: limits.bodyTooLargeReason)
    }
}
