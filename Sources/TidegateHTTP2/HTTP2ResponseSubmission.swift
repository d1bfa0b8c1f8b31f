import CNGHTTP2
import TidegateHTTP

/// Answering streams: the responder's answer becomes a HEADERS frame plus DATA frames that
/// nghttp2 cuts to the peer's frame size and flow-control windows.
extension HTTP2ServerSession {
    func dispatch(_ stream: HTTP2Stream) {
        guard !calmedDown else { return }
        guard let method = stream.method, let target = stream.target else {
            respond(stream, .jsonError(400, "request without :method or :path"), requestComplete: true)
            return
        }
        var headers = stream.headers
        if !stream.hasHostHeader, let authority = stream.authority {
            headers.add(name: "host", value: authority)
        }
        let body = stream.body
        releaseBody(of: stream)
        let request = HTTPRequest(method: method, target: target, headers: headers, body: body, version: .http2)
        respond(stream, responder.respond(to: request), requestComplete: true, isHead: method == "HEAD")
    }

    func reject(_ stream: HTTP2Stream, _ rejection: HTTP2Stream.Rejection, requestComplete: Bool) {
        stream.rejection = rejection
        let response: HTTPResponse =
            switch rejection {
            case .headersTooLarge:
                .jsonError(431, "request header section exceeds \(limits.maxHeaderBytes) bytes or \(limits.maxHeaderCount) fields")
            case .bodyTooLarge: .jsonError(413, limits.bodyTooLargeReason)
            case .connectionBusy: .jsonError(503, "too many request bytes in flight on this connection")
            case .serverBusy: .jsonError(503, HTTPLimits.bodyBudgetSpentReason)
            }
        releaseBody(of: stream)
        respond(stream, response, requestComplete: requestComplete)
    }

    func releaseBody(of stream: HTTP2Stream) {
        bufferedBodyBytes -= stream.body.count
        stream.body = []
        stream.reservation = nil
    }

    private func respond(_ stream: HTTP2Stream, _ response: HTTPResponse, requestComplete: Bool, isHead: Bool = false) {
        guard !stream.responded, let session else { return }
        stream.responded = true
        stream.resetAfterResponse = !requestComplete
        let bodyAllowed = !isHead && response.status >= 200 && response.status != 204 && response.status != 304
        let body = bodyAllowed ? response.body : []
        collectHeaderFields(response, contentLength: bodyAllowed ? body.count : nil)

        var fields = headerFields
        headerFields = []
        defer {
            fields.removeAll(keepingCapacity: true)
            headerFields = fields
        }
        let flags = UInt8(NGHTTP2_FLAG_NONE.rawValue)
        if !body.isEmpty {
            stream.responseBody = body
            stream.responseOffset = 0
        }
        let lengths = headerLengths
        headerBytes.withUnsafeMutableBufferPointer { bytes in
            var cursor = bytes.baseAddress!
            var index = 0
            while index + 1 < lengths.count {
                let nameLength = lengths[index], valueLength = lengths[index + 1]
                fields.append(nghttp2_nv(
                    name: cursor, value: cursor + nameLength, namelen: nameLength, valuelen: valueLength, flags: flags))
                cursor += nameLength + valueLength
                index += 2
            }
            // nghttp2 copies the header list here, so the scratch buffers can be reused at once.
            if body.isEmpty {
                _ = nghttp2_submit_response(session, stream.id, fields, fields.count, nil)
            } else {
                var provider = nghttp2_data_provider(
                    source: nghttp2_data_source(ptr: nil), read_callback: readResponseBody)
                _ = nghttp2_submit_response(session, stream.id, fields, fields.count, &provider)
            }
        }
    }

    /// Lays the header list out as name, value, name, value... in `headerBytes`, lengths in
    /// `headerLengths`: two reused buffers instead of a C string per field. Built in locals and
    /// stored once: every access to a class property is checked for exclusivity at run time,
    /// which cost more than the copying when done per field.
    private func collectHeaderFields(_ response: HTTPResponse, contentLength: Int?) {
        var bytes = headerBytes, lengths = headerLengths
        headerBytes = []
        headerLengths = []
        bytes.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        func append(_ name: String, _ value: String) {
            bytes.append(contentsOf: name.utf8)
            bytes.append(contentsOf: value.utf8)
            lengths.append(name.utf8.count)
            lengths.append(value.utf8.count)
        }
        append(":status", String(response.status))
        for field in response.headers {
            switch field.name {
            // Connection-specific fields are forbidden in HTTP/2 (RFC 9113 §8.2.2); a peer would
            // reject the whole response for them. The length is ours to state: a wrong one from a
            // handler would make the peer reset the stream.
            case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "content-length":
                continue
            default:
                if field.name.hasPrefix(":") { continue }
            }
            append(field.name, field.value)
        }
        if let contentLength { append("content-length", String(contentLength)) }
        headerBytes = bytes
        headerLengths = lengths
    }
}
