import CNGHTTP2
import TidegateHTTP

/// Turning frames into requests: headers and body per stream, limits enforced as bytes arrive.
extension HTTP2ServerSession {
    func beginHeaders(_ frame: nghttp2_frame) {
        guard frame.hd.type == UInt8(NGHTTP2_HEADERS.rawValue),
            frame.headers.cat == NGHTTP2_HCAT_REQUEST, !calmedDown
        else { return }
        let id = frame.hd.stream_id
        let stream = HTTP2Stream(id: id)
        // Headers and body must arrive within the read limit, however slowly they trickle in.
        stream.deadline = MonotonicTime.deadline(after: MonotonicTime.now(), nanoseconds: tuning.requestReadLimit)
        streams[id] = stream
        recentStream = stream
    }

    /// Whether a field name is `literal` (names arrive lowercase in HTTP/2), as bytes: a
    /// length check first, and `elementsEqual` cost ~240 instructions a call.
    @inline(__always)
    static func fieldName(_ name: UnsafeBufferPointer<UInt8>, is literal: StaticString) -> Bool {
        UnsafeRawBufferPointer(name).equals(literal)
    }

    /// The open stream with this id, if any.
    func openStream(_ id: Int32) -> HTTP2Stream? {
        if let recent = recentStream, recent.id == id { return recent }
        let found = streams[id]
        recentStream = found
        return found
    }

    func header(streamID: Int32, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        guard let stream = openStream(streamID), !stream.responded else { return }
        // Counted before anything is stored: an HPACK bomb (tiny indexed references to a large
        // table entry) reaches the cap after a few fields however small its wire form.
        stream.headerListBytes += name.count + value.count + 32
        // Pseudo-headers are few by construction (nghttp2 rejects repeats); count regular fields.
        if name.first != UInt8(ascii: ":") { stream.headerFieldCount += 1 }
        if stream.headerListBytes > limits.maxHeaderBytes || stream.headerFieldCount > limits.maxHeaderCount {
            stream.rejection = .headersTooLarge
        }
        guard stream.rejection == nil, !stream.receivingTrailers else { return }

        if name.first == UInt8(ascii: ":") {
            // Compared as bytes: only three pseudo-headers are kept, and this runs per field.
            if Self.fieldName(name, is: ":method") {
                stream.method = String(decoding: value, as: UTF8.self)
            } else if Self.fieldName(name, is: ":path") {
                stream.target = String(decoding: value, as: UTF8.self)
            } else if Self.fieldName(name, is: ":authority") {
                stream.authority = String(decoding: value, as: UTF8.self)
            }  // :scheme says nothing a handler needs
            return
        }
        let fieldName = String(decoding: name, as: UTF8.self)
        let fieldValue = String(decoding: value, as: UTF8.self)
        if Self.fieldName(name, is: "host") { stream.hasHostHeader = true }
        if Self.fieldName(name, is: "content-length") { stream.declaredLength = Int(fieldValue) }
        // nghttp2 refuses uppercase field names (HTTP messaging checks), so none reach here.
        stream.headers.add(lowercasedName: fieldName, value: fieldValue)
    }

    func dataChunk(streamID: Int32, _ data: UnsafeBufferPointer<UInt8>) {
        guard let stream = openStream(streamID), !stream.responded, stream.rejection == nil else { return }
        if stream.body.count + data.count > limits.maxBodyBytes {
            reject(stream, .bodyTooLarge, requestComplete: false)
            return
        }
        if bufferedBodyBytes + data.count > tuning.maxBufferedBodyBytes {
            reject(stream, .connectionBusy, requestComplete: false)
            return
        }
        if let budget = limits.bodyBudget, !budget.cover(&stream.reservation, total: stream.body.count + data.count) {
            reject(stream, .serverBusy, requestComplete: false)
            return
        }
        if stream.body.isEmpty, let declared = stream.declaredLength, declared <= limits.maxBodyBytes {
            stream.body.reserveCapacity(declared)
        }
        stream.body.append(contentsOf: data)
        bufferedBodyBytes += data.count
        peakBufferedBodyBytes = max(peakBufferedBodyBytes, bufferedBodyBytes)
    }

    func frameReceived(_ framePointer: UnsafePointer<nghttp2_frame>) {
        let hd = framePointer.pointee.hd
        let endStream = hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        switch UInt32(hd.type) {
        case NGHTTP2_HEADERS.rawValue:
            guard let stream = openStream(hd.stream_id), !stream.responded else { return }
            if stream.receivingTrailers {
                // Trailers count against the same header budget; they are not handed on.
                if let rejection = stream.rejection {
                    reject(stream, rejection, requestComplete: endStream)
                } else if endStream {
                    dispatch(stream)
                }
                return
            }
            stream.receivingTrailers = true
            if let rejection = stream.rejection {
                reject(stream, rejection, requestComplete: endStream)
            } else if let declared = stream.declaredLength, declared > limits.maxBodyBytes {
                reject(stream, .bodyTooLarge, requestComplete: endStream)
            } else if endStream {
                dispatch(stream)
            } else if let target = stream.target, let limit = RequestTimeout.of(target: target) {
                // The body is still to come: the client's own time for it starts now.
                let asked = MonotonicTime.deadline(after: MonotonicTime.now(), limit)
                if asked < stream.deadline ?? .max {
                    stream.deadline = asked
                    stream.deadlineIsClientTimeout = true
                }
            }
        case NGHTTP2_DATA.rawValue:
            guard endStream, let stream = openStream(hd.stream_id), !stream.responded else { return }
            dispatch(stream)
        case NGHTTP2_RST_STREAM.rawValue:
            guard let stream = openStream(hd.stream_id), !stream.responseComplete else { return }
            countPrematureReset()
        case NGHTTP2_PING.rawValue:
            guard shuttingDown, hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0 else { return }
            var data = framePointer.pointee.ping.opaque_data
            var tag = Self.shutdownPingTag
            let matches = withUnsafeBytes(of: &data) { a in withUnsafeBytes(of: &tag) { b in a.elementsEqual(b) } }
            if matches { sendFinalGoaway() }
        default:
            break
        }
    }

    func frameSent(_ hd: nghttp2_frame_hd) {
        let type = UInt32(hd.type)
        guard type == NGHTTP2_HEADERS.rawValue || type == NGHTTP2_DATA.rawValue,
            hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0,
            let stream = openStream(hd.stream_id)
        else { return }
        stream.responseComplete = true
        if stream.resetAfterResponse, let session {
            _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream.id, NGHTTP2_NO_ERROR.rawValue)
        }
    }

    func streamClosed(_ id: Int32) {
        if recentStream?.id == id { recentStream = nil }
        guard let stream = streams.removeValue(forKey: id) else { return }
        bufferedBodyBytes -= stream.body.count
        if stream.responseComplete { completedStreams += 1 }
        // Clients with nothing left in flight may not answer the shutdown PING; do not wait for it.
        if shuttingDown, streams.isEmpty { sendFinalGoaway() }
    }

    /// A client that keeps opening streams and cancelling them before the answer leaves makes us
    /// do work for nothing; healthy clients cancel a small fraction of what they ask.
    private func countPrematureReset() {
        prematureResets += 1
        guard !calmedDown, prematureResets > tuning.prematureResetAllowance + completedStreams / 4 else { return }
        calmedDown = true
        terminate(NGHTTP2_ENHANCE_YOUR_CALM)
    }
}
