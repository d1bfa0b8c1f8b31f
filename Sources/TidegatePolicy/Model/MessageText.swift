/// Joins message parts into one String: one allocation, one copy of each part. Finding
/// messages are built on every review, and `+=`/interpolation cost ~500 instructions per part
/// (callgrind, release build); this is a copy per part plus one UTF-8 check of the result.
func concatenated(_ parts: String...) -> String {
    var total = 0
    for part in parts { total += part.utf8.count }
    return String(unsafeUninitializedCapacity: total) { buffer in
        var at = 0
        for var part in parts {
            part.withUTF8 { bytes in
                guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
                (buffer.baseAddress! + at).update(from: base, count: bytes.count)
                at += bytes.count
            }
        }
        return at
    }
}
