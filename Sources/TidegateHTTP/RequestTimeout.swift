/// The time a client gives a request, from the `timeout` query parameter in Go's duration
/// syntax. kube-apiserver calls a webhook with `?timeout=10s`: the time the webhook has left,
/// rounded up to whole seconds. Past it, the apiserver has given up and no answer is read.
public enum RequestTimeout {
    /// The `timeout` parameter of a request target (`/validate?timeout=10s`), if it is a
    /// positive duration; nil without one or for anything unreadable (the request is then served
    /// under the server's own limits, as if no time had been given).
    public static func of(target: String) -> Duration? {
        var target = target
        return target.withUTF8 { bytes -> Duration? in
            guard let q = bytes.firstIndex(of: UInt8(ascii: "?")) else { return nil }
            var start = q + 1
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "&") { end += 1 }
                let name: StaticString = "timeout="
                let length = name.utf8CodeUnitCount
                if end - start > length, UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<(start + length)])).equals(name) {
                    return GoDuration.parse(UnsafeBufferPointer(rebasing: bytes[(start + length)..<end]))
                }
                start = end + 1
            }
            return nil
        }
    }
}
