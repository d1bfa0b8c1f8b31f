import TidegateJSON
import TidegatePolicy

/// Parses each input with the full reader and with the webhook's field filter, and traps when
/// - the two disagree on whether the input is JSON (the filter may skip building, never checking);
/// - a parsed value does not survive a write/read round trip unchanged.
enum JSONFuzzTarget {
    static let callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32 = { data, size in
        guard let data else { return 0 }
        run(UnsafeBufferPointer(start: data, count: size))
        return 0
    }

    static let filter: JSONFieldFilter = .except(["request": .except(["oldObject": .skip, "object": ReadFields.object])])

    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        let full = try? JSONReader(maxDepth: 64).parse(bytes)
        let filtered = try? JSONReader(maxDepth: 64, filter: filter).parse(bytes)
        // The filtered reader skips string contents without UTF-8 validation, so only a document
        // the full reader accepts must also be accepted by the filtered one.
        if full != nil && filtered == nil { fatalError("filtered reader rejected a document the full reader accepts") }
        if let full {
            let written = JSONWriter().bytes(full)
            guard let again = try? JSONReader(maxDepth: 64).parse(written), again == full else {
                fatalError("round trip changed the value")
            }
        }
    }
}
