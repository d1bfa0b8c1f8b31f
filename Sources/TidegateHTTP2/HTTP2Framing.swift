/// Where the peer is in its byte stream, frame by frame: inside the client preface, inside a
/// frame, or between frames. nghttp2 buffers an incomplete frame without saying so; the session
/// needs to know, because a frame trickling in holds the connection before any stream exists
/// (HTTP/2's slowloris), and only a stream has a deadline of its own.
struct HTTP2Framing {
    /// Bytes of the 24-byte client preface still to come.
    private var prefaceLeft = 24
    /// Bytes of the 9-byte frame header seen so far, and the payload length they give.
    private var headerSeen = 0
    private var length = 0
    /// Payload bytes of the current frame still to come.
    private var payloadLeft = 0

    /// Whether the bytes so far end exactly between frames (or none came yet).
    var atBoundary: Bool { (prefaceLeft == 0 || prefaceLeft == 24) && headerSeen == 0 && payloadLeft == 0 }

    /// Consumes the next bytes; returns whether the preface or a frame ended among them (so a
    /// frame still unfinished after them began in them, not earlier).
    @discardableResult
    mutating func advance(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        var finished = false
        while i < bytes.count {
            if prefaceLeft > 0 {
                let take = min(prefaceLeft, bytes.count - i)
                prefaceLeft -= take
                i += take
                if prefaceLeft == 0 { finished = true }
            } else if payloadLeft > 0 {
                let take = min(payloadLeft, bytes.count - i)
                payloadLeft -= take
                i += take
                if payloadLeft == 0 { finished = true }
            } else {
                if headerSeen < 3 { length = length << 8 | Int(bytes[i]) }
                headerSeen += 1
                i += 1
                if headerSeen == 9 {
                    payloadLeft = length
                    headerSeen = 0
                    length = 0
                    if payloadLeft == 0 { finished = true }
                }
            }
        }
        return finished
    }
}
