import CTidegateJSONScan
#if canImport(Glibc)
import Glibc
#endif

/// A byte-level JSON reader.
///
/// Hand-written because measurement says so: on this project's reference payloads Foundation's
/// `JSONSerialization` takes ~100 µs for a 7 KB AdmissionReview and ~960 µs for a 53 KB one, and
/// `JSONDecoder` 68/300 µs, against a per-review budget of 15/50 µs. A direct byte parser with a
/// field filter that validates-but-does-not-build the parts the policy never reads
/// (`managedFields`, `oldObject`, `status`) fits the budget. Strict RFC 8259: no trailing commas,
/// no comments, no leading zeros, no lone surrogates, no raw control characters.
public struct JSONReader: Sendable {
    /// Deepest nesting accepted. Kubernetes objects nest a few dozen levels; the limit keeps a
    /// hostile `[[[[…` from exhausting the stack.
    public var maxDepth: Int = 512
    /// Subtrees the reader checks for well-formedness but does not build.
    public var filter: JSONFieldFilter?

    public init(maxDepth: Int = 512, filter: JSONFieldFilter? = nil) {
        self.maxDepth = maxDepth
        self.filter = filter?.buildsAll == true ? nil : filter
    }

    public func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            parseResult(buffer)
        }
        return try result.get()
    }

    public func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        try parseResult(buffer).get()
    }

    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    private func parseResult(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
        // The filter's tables are read through raw pointers while parsing.
        let filter = self.filter?.buildsAll == true ? nil : self.filter
        return withExtendedLifetime(filter) {
            var cursor = Cursor(bytes: buffer, maxDepth: maxDepth, filter: filter?.table)
            do throws(JSONParseError) {
                var start = 0
                // A UTF-8 byte order mark is tolerated, as most tools write one on request.
                if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { start = 3 }
                cursor.index = start
                cursor.skipWhitespace()
                let value = try cursor.readValue(filter: filter == nil ? FilterTable.buildAll : 0, depth: 0)
                cursor.skipWhitespace()
                if cursor.index != buffer.count {
                    throw cursor.failure("unexpected data after the JSON value")
                }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
    }
}

/// Which members to build and which to validate without building. A reader that only builds
/// what the policy reads is what makes large reviews cheap. Arrays are transparent: a filter on
/// `containers` applies to every element.
public final class JSONFieldFilter: Sendable {
    /// The named members, with their UTF-8 names for matching raw bytes; a few entries, scanned
    /// linearly.
    let memberList: [(name: [UInt8], key: String, filter: JSONFieldFilter)]
    /// Members not named in `memberList` are skipped (true) or built whole (false).
    let skipsOthers: Bool
    /// This value itself is skipped.
    let skipsValue: Bool
    /// When skipping: check only string and bracket structure, not every token.
    let skipsStructurally: Bool
    /// This value is built whole, with no filtering below it.
    let buildsAll: Bool

    /// This filter and everything below it, flattened for the reader.
    let table: FilterTable

    private init(members: [String: JSONFieldFilter], skipsOthers: Bool, skipsValue: Bool, buildsAll: Bool,
                 skipsStructurally: Bool = false) {
        let memberList = members.map { (name: Array($0.key.utf8), key: $0.key, filter: $0.value) }
        self.memberList = memberList
        self.skipsOthers = skipsOthers
        self.skipsValue = skipsValue
        self.buildsAll = buildsAll
        self.skipsStructurally = skipsStructurally
        self.table = FilterTable(members: memberList, skipsOthers: skipsOthers)
    }

    /// Validate, do not build.
    public static let skip = JSONFieldFilter(members: [:], skipsOthers: false, skipsValue: true, buildsAll: false)
    /// Skip checking only that strings are terminated and brackets balance, not every token.
    /// For the bulk of a review that nothing reads (`oldObject`, `managedFields`): the token-level
    /// check there costs four times the structural one, and a token error inside a member that is
    /// never read cannot change a decision. Anything that leaves the document's structure
    /// ambiguous (an unterminated string, unbalanced or mismatched brackets, nesting past the
    /// limit) is still an error.
    public static let skipStructurally = JSONFieldFilter(
        members: [:], skipsOthers: false, skipsValue: true, buildsAll: false, skipsStructurally: true)
    /// Build everything below.
    public static let all = JSONFieldFilter(members: [:], skipsOthers: false, skipsValue: false, buildsAll: true)

    /// Build only the named members (each filtered further), skip every other one (structurally).
    public static func only(_ members: [String: JSONFieldFilter]) -> JSONFieldFilter {
        JSONFieldFilter(members: members, skipsOthers: true, skipsValue: false, buildsAll: false)
    }

    /// Build every member, filtering the named ones further.
    public static func except(_ members: [String: JSONFieldFilter]) -> JSONFieldFilter {
        JSONFieldFilter(members: members, skipsOthers: false, skipsValue: false, buildsAll: false)
    }

    /// Skips the members at dotted key paths, e.g. `["request.oldObject"]`, building the rest.
    public convenience init(skipping paths: [String]) {
        let tree = JSONFieldFilter.skippingTree(paths.map { $0.split(separator: ".").map(String.init) })
        self.init(members: Dictionary(uniqueKeysWithValues: tree.memberList.map { ($0.key, $0.filter) }),
                  skipsOthers: false, skipsValue: false, buildsAll: false)
    }

    private static func skippingTree(_ paths: [[String]]) -> JSONFieldFilter {
        var grouped: [String: [[String]]] = [:]
        for p in paths where !p.isEmpty { grouped[p[0], default: []].append(Array(p.dropFirst())) }
        var children: [String: JSONFieldFilter] = [:]
        for (key, rests) in grouped {
            children[key] = rests.contains(where: \.isEmpty) ? .skip : skippingTree(rests)
        }
        return .except(children)
    }
}

/// A field filter as flat tables of plain values, so that deciding what to do with a member
/// costs no reference counting and no Strings. Walking the tree of `JSONFieldFilter` objects
/// retained and released a filter per member and compared names through closures: ~8 % of
/// reading a small review (callgrind).
final class FilterTable: @unchecked Sendable {
    /// What to do with a value: a node index (>= 0) to filter its members by, or one of these.
    static let buildAll: Int32 = -1
    static let skip: Int32 = -2
    static let skipStructurally: Int32 = -3

    struct Node {
        var firstEntry: Int32
        var entryCount: Int32
        /// For members the node does not name.
        var others: Int32
        /// Bit `min(length, 63)` set for the length of every name the node has: most members a
        /// node skips are turned away by this one test.
        var lengths: UInt64
    }

    struct Entry {
        var nameLength: Int32
        var nameOffset: Int32
        /// The first (up to) eight bytes of the name, little-endian, zero-padded.
        var prefix: UInt64
        var action: Int32
        var key: Int32
    }

    /// Immutable after init and freed with the table; only read while parsing.
    struct Tables {
        var nodes = UnsafeMutableBufferPointer<Node>(start: nil, count: 0)
        var entries = UnsafeMutableBufferPointer<Entry>(start: nil, count: 0)
        var names = UnsafeMutableBufferPointer<UInt8>(start: nil, count: 0)
        var keys = UnsafeMutableBufferPointer<String>(start: nil, count: 0)

        /// The action for a member whose raw name (no escapes) is `name`, and the index of the
        /// filter's String for that name (-1 when the node does not name it).
        @inline(__always) func member(node: Int32, name: UnsafeBufferPointer<UInt8>, prefix: UInt64) -> (action: Int32, key: Int32) {
            let n = nodes[Int(node)]
            guard n.lengths & (1 << UInt64(min(name.count, 63))) != 0 else { return (n.others, -1) }
            let count = Int32(name.count)
            var e = Int(n.firstEntry)
            let end = e + Int(n.entryCount)
            while e < end {
                let entry = entries[e]
                if entry.nameLength == count && entry.prefix == prefix
                    && (count <= 8 || memcmp(names.baseAddress! + Int(entry.nameOffset) + 8, name.baseAddress! + 8, Int(count) - 8) == 0) {
                    return (entry.action, entry.key)
                }
                e += 1
            }
            return (n.others, -1)
        }

        /// The same for a name written with escapes, decoded; names compare as Strings.
        func member(node: Int32, key: String) -> Int32 {
            let n = nodes[Int(node)]
            for e in Int(n.firstEntry)..<Int(n.firstEntry + n.entryCount) where keys[Int(entries[e].key)] == key {
                return entries[e].action
            }
            return n.others
        }
    }
    let tables: Tables

    init(members: [(name: [UInt8], key: String, filter: JSONFieldFilter)], skipsOthers: Bool) {
        var nodes: [Node] = []
        var entries: [Entry] = []
        var names: [UInt8] = []
        var keys: [String] = []
        func add(_ members: [(name: [UInt8], key: String, filter: JSONFieldFilter)], skipsOthers: Bool) -> Int32 {
            let index = nodes.count
            let first = entries.count
            nodes.append(Node(firstEntry: Int32(first), entryCount: Int32(members.count),
                              others: skipsOthers ? FilterTable.skipStructurally : FilterTable.buildAll,
                              lengths: members.reduce(0) { $0 | 1 << UInt64(min($1.name.count, 63)) }))
            entries.append(contentsOf: repeatElement(Entry(nameLength: 0, nameOffset: 0, prefix: 0, action: 0, key: 0),
                                                     count: members.count))
            for (k, member) in members.enumerated() {
                let child = member.filter
                let action: Int32
                if child.buildsAll {
                    action = FilterTable.buildAll
                } else if child.skipsValue {
                    action = child.skipsStructurally ? FilterTable.skipStructurally : FilterTable.skip
                } else {
                    action = add(child.memberList, skipsOthers: child.skipsOthers)
                }
                let prefix = member.name.withUnsafeBufferPointer { FilterTable.prefix($0) }
                entries[first + k] = Entry(nameLength: Int32(member.name.count), nameOffset: Int32(names.count),
                                           prefix: prefix, action: action, key: Int32(keys.count))
                names.append(contentsOf: member.name)
                keys.append(member.key)
            }
            return Int32(index)
        }
        _ = add(members, skipsOthers: skipsOthers)
        var tables = Tables()
        tables.nodes = .allocate(capacity: nodes.count)
        _ = tables.nodes.initialize(from: nodes)
        tables.entries = .allocate(capacity: entries.count)
        _ = tables.entries.initialize(from: entries)
        tables.names = .allocate(capacity: max(names.count, 8))
        _ = tables.names.initialize(from: names)
        tables.keys = .allocate(capacity: keys.count)
        _ = tables.keys.initialize(from: keys)
        self.tables = tables
    }

    deinit {
        tables.nodes.deallocate()
        tables.entries.deallocate()
        tables.names.deallocate()
        tables.keys.deinitialize().deallocate()
    }

    @inline(__always) static func prefix(_ name: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<min(name.count, 8) { v |= UInt64(name[i]) << UInt64(8 * i) }
        return v
    }
}

/// Where and why a document is not JSON.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    /// Byte offset from the start of the input.
    public let offset: Int
    /// 1-based line and column (column counted in bytes).
    public let line: Int
    public let column: Int

    public var description: String { "line \(line), column \(column): \(reason)" }
}

private struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    /// The filter's tables (the caller keeps them alive for the whole parse), held as plain
    /// pointers so that reading them costs no reference counting.
    let filter: FilterTable.Tables
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, filter: FilterTable?) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.filter = filter?.tables ?? FilterTable.Tables()
    }

    func failure(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        let at = min(offset ?? index, bytes.count)
        var line = 1
        var lineStart = 0
        for i in 0..<at where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        return JSONParseError(reason: reason, offset: at, line: line, column: at - lineStart + 1)
    }

    @inline(__always) mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    @inline(__always) func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    /// Advances `index` over string bytes that need no attention — not `"`, `\\`, a control
    /// character or (when `stopAtNonASCII`) a byte of a multi-byte sequence — eight at a time.
    /// Word-at-a-time scanning roughly halves the cost of the skipped parts of a review, which
    /// are mostly member names.
    @inline(__always) mutating func skipPlainStringBytes(stopAtNonASCII: Bool) {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        guard let base = UnsafeRawPointer(bytes.baseAddress) else { return }
        while index + 8 <= bytes.count {
            let w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let quote = w ^ (ones &* 0x22)
            let slash = w ^ (ones &* 0x5C)
            var flags = ((quote &- ones) & ~quote) | ((slash &- ones) & ~slash) | ((w &- ones &* 0x20) & ~w)
            if stopAtNonASCII { flags |= w }
            flags &= highs
            if flags != 0 {
                index += flags.trailingZeroBitCount >> 3
                return
            }
            index += 8
        }
    }

    /// `filter` is a node of the filter table, or `FilterTable.buildAll`.
    mutating func readValue(filter: Int32, depth: Int) throws(JSONParseError) -> JSONValue {
        guard let byte = peek() else { throw failure("unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try readObject(filter: filter, depth: depth + 1)
        case UInt8(ascii: "["): return try readArray(filter: filter, depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            try scanNumber()
            return .number(JSONNumber(text: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)))
        default:
            throw failure("unexpected character '\(printable(byte))', expected a value")
        }
    }

    mutating func readObject(filter: Int32, depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw failure("nesting deeper than \(maxDepth) levels") }
        index += 1  // {
        var members: [JSONMember] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject(members: members))
        }
        // A node that keeps only the members it names builds at most that many (bar repeats).
        if filter >= 0, self.filter.nodes[Int(filter)].others != FilterTable.buildAll {
            members.reserveCapacity(Int(self.filter.nodes[Int(filter)].entryCount))
        } else {
            members.reserveCapacity(8)
        }
        while true {
            guard peek() == UInt8(ascii: "\"") else { throw failure("expected a member name in double quotes") }
            if filter >= 0 {
                let table = self.filter
                // Decide from the raw bytes of the name, so that the members the filter skips
                // (most of a review) never become Strings.
                let nameStart = index
                let escaped = try skipString()
                let name = UnsafeBufferPointer(rebasing: bytes[(nameStart + 1)..<(index - 1)])
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { throw failure("expected ':' after a member name") }
                index += 1
                skipWhitespace()
                // A name written with escapes (`\u0063ontainers`) is decoded first, so that it
                // cannot slip past the filter.
                let action: Int32
                var key: String? = nil
                if !escaped {
                    let found = table.member(node: filter, name: name, prefix: namePrefix(name))
                    action = found.action
                    if found.key >= 0 { key = table.keys[Int(found.key)] }
                } else {
                    let decoded = try decodedString(at: nameStart)
                    action = table.member(node: filter, key: decoded)
                    key = decoded
                }
                if action == FilterTable.skipStructurally {
                    try skipStructurally(depth: depth)
                } else if action == FilterTable.skip {
                    try skipValue(depth: depth)
                } else {
                    let name: String
                    if let key { name = key } else { name = try decodedString(at: nameStart) }
                    members.append(JSONMember(key: name, value: try readValue(filter: action, depth: depth)))
                }
            } else {
                let key = try readString()
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { throw failure("expected ':' after member name \"\(key)\"") }
                index += 1
                skipWhitespace()
                members.append(JSONMember(key: key, value: try readValue(filter: FilterTable.buildAll, depth: depth)))
            }
            skipWhitespace()
            guard let next = peek() else { throw failure("unexpected end of input inside an object") }
            index += 1
            if next == UInt8(ascii: "}") { return .object(JSONObject(members: members)) }
            guard next == UInt8(ascii: ",") else { throw failure("expected ',' or '}' in an object", at: index - 1) }
            skipWhitespace()
        }
    }

    /// The first (up to) eight bytes of a member name, as `FilterTable.prefix` computes them.
    @inline(__always) func namePrefix(_ name: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let start = name.baseAddress! - bytes.baseAddress!
        guard start + 8 <= bytes.count else { return FilterTable.prefix(name) }
        let word = UInt64(littleEndian: UnsafeRawPointer(name.baseAddress!).loadUnaligned(as: UInt64.self))
        return name.count >= 8 ? word : word & ((1 << UInt64(8 * name.count)) &- 1)
    }

    mutating func readArray(filter: Int32, depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw failure("nesting deeper than \(maxDepth) levels") }
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        elements.reserveCapacity(4)
        while true {
            elements.append(try readValue(filter: filter, depth: depth))
            skipWhitespace()
            guard let next = peek() else { throw failure("unexpected end of input inside an array") }
            index += 1
            if next == UInt8(ascii: "]") { return .array(elements) }
            guard next == UInt8(ascii: ",") else { throw failure("expected ',' or ']' in an array", at: index - 1) }
            skipWhitespace()
        }
    }

    /// Validates one value without building it. Iterative (the skipped parts of a document
    /// cannot recurse either) and kept tight: the open containers live in a bit set rather
    /// than an array, and the position in a local, because this loop runs over most of the
    /// bytes of a large review.
    mutating func skipValue(depth: Int) throws(JSONParseError) {
        let n = bytes.count
        let p = bytes.baseAddress!
        var i = index
        // Bit k of `shallow` is set when open container k is an object; containers past 64
        // levels go to `deep`.
        var shallow: UInt64 = 0
        var deep: [Bool] = []
        var level = 0
        var expectingValue = true

        @inline(__always) func top() -> Bool {
            level <= 64 ? (shallow >> UInt64(level - 1)) & 1 == 1 : deep[level - 65]
        }

        while true {
            while i < n, p[i] <= 0x20, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
            guard i < n else { index = i; throw failure("unexpected end of input") }
            let byte = p[i]
            if expectingValue {
                switch byte {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    let isObject = byte == UInt8(ascii: "{")
                    if depth + level + 1 > maxDepth { index = i; throw failure("nesting deeper than \(maxDepth) levels") }
                    level += 1
                    if level <= 64 {
                        let bit: UInt64 = 1 << UInt64(level - 1)
                        shallow = isObject ? shallow | bit : shallow & ~bit
                    } else {
                        deep.append(isObject)
                    }
                    i += 1
                    while i < n, p[i] <= 0x20, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
                    if i < n, p[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        i += 1
                        if level > 64 { deep.removeLast() }
                        level -= 1
                        expectingValue = false
                        if level == 0 { index = i; return }
                    } else if isObject {
                        index = i
                        try skipMemberName()
                        i = index
                    }
                    continue
                case UInt8(ascii: "\""):
                    index = i
                    try skipString()
                    i = index
                case UInt8(ascii: "t"): index = i; try expectLiteral("true"); i = index
                case UInt8(ascii: "f"): index = i; try expectLiteral("false"); i = index
                case UInt8(ascii: "n"): index = i; try expectLiteral("null"); i = index
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    index = i
                    try scanNumber()
                    i = index
                default:
                    index = i
                    throw failure("unexpected character '\(printable(byte))', expected a value")
                }
                expectingValue = false
                if level == 0 { index = i; return }
            } else {
                let isObject = top()
                i += 1
                if byte == UInt8(ascii: ",") {
                    if isObject {
                        while i < n, p[i] <= 0x20, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
                        index = i
                        try skipMemberName()
                        i = index
                    }
                    expectingValue = true
                } else if byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    if level > 64 { deep.removeLast() }
                    level -= 1
                    if level == 0 { index = i; return }
                } else {
                    index = i - 1
                    throw failure(isObject ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array")
                }
            }
        }
    }

    /// Skips one value checking only its structure (see `JSONFieldFilter.skipStructurally`).
    /// Containers go to a small SIMD scanner (CTidegateJSONScan), scalars to the full check.
    mutating func skipStructurally(depth: Int) throws(JSONParseError) {
        guard let first = peek() else { try skipValue(depth: depth); return }
        // Scalars are checked in full, as `skipValue` would, without its setup.
        switch first {
        case UInt8(ascii: "{"), UInt8(ascii: "["): break
        case UInt8(ascii: "\""): try skipString(); return
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try scanNumber(); return
        default: try skipValue(depth: depth); return
        }
        // The scanner keeps at most TG_SCAN_MAX_OPEN_LEVELS open levels of its own; a reader
        // allowed deeper nesting than that checks it in Swift, so the limit reported is the reader's.
        guard maxDepth - depth <= Int(TG_SCAN_MAX_OPEN_LEVELS) else { try skipValue(depth: depth); return }
        var errorAt = 0
        let end = tg_json_skip_container(bytes.baseAddress, bytes.count, index, Int32(depth), Int32(maxDepth), &errorAt)
        if end >= 0 {
            index = end
            return
        }
        switch Int(end) {
        case Int(TG_SCAN_TOO_DEEP): throw failure("nesting deeper than \(maxDepth) levels", at: errorAt)
        case Int(TG_SCAN_MISMATCH): throw failure("mismatched closing bracket", at: errorAt)
        default: throw failure("unexpected end of input (unterminated string or unclosed bracket)", at: errorAt)
        }
    }

    @inline(__always) private mutating func skipMemberName() throws(JSONParseError) {
        guard peek() == UInt8(ascii: "\"") else { throw failure("expected a member name in double quotes") }
        try skipString()
        skipWhitespace()
        guard peek() == UInt8(ascii: ":") else { throw failure("expected ':' after a member name") }
        index += 1
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure("unexpected end of input in a literal") }
        let p = word.utf8Start
        for i in 0..<count where bytes[index + i] != p[i] {
            throw failure("invalid literal, expected '\(word)'")
        }
        index += count
    }

    mutating func scanNumber() throws(JSONParseError) {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), isDigit(first) else { throw failure("invalid number: expected a digit", at: start) }
        index += 1
        if first == UInt8(ascii: "0"), let next = peek(), isDigit(next) {
            throw failure("invalid number: leading zero", at: start)
        }
        while let b = peek(), isDigit(b) { index += 1 }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let b = peek(), isDigit(b) else { throw failure("invalid number: expected a digit after '.'") }
            while let b = peek(), isDigit(b) { index += 1 }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            index += 1
            if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { index += 1 }
            guard let b = peek(), isDigit(b) else { throw failure("invalid number: expected a digit in the exponent") }
            while let b = peek(), isDigit(b) { index += 1 }
        }
    }

    /// The string starting at `offset`, leaving the position unchanged.
    mutating func decodedString(at offset: Int) throws(JSONParseError) -> String {
        let saved = index
        index = offset
        defer { index = saved }
        return try readString()
    }

    /// Reads a string. The common case (no escapes, ASCII) becomes a `String` straight from the
    /// input bytes; escapes and non-ASCII take the slower, validating path.
    mutating func readString() throws(JSONParseError) -> String {
        index += 1  // opening quote
        let start = index
        var ascii = true
        skipPlainStringBytes(stopAtNonASCII: true)
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                if ascii { return asciiString(slice) }
                guard let s = String(validating: slice, as: UTF8.self) else {
                    throw failure("invalid UTF-8 in a string", at: start)
                }
                return s
            }
            if b == UInt8(ascii: "\\") { return try readEscapedString(from: start) }
            if b < 0x20 { throw failure("control character U+00\(hex2(b)) in a string must be escaped") }
            if b >= 0x80 { ascii = false }
            index += 1
        }
        throw failure("unterminated string", at: start - 1)
    }

    /// A String from bytes already known to be ASCII. Up to 15 bytes (most names and values in
    /// a review), the initializer that fills the String's own storage checks ASCII-ness with
    /// one mask instead of validating UTF-8 again.
    @inline(__always) func asciiString(_ slice: UnsafeBufferPointer<UInt8>) -> String {
        if slice.count <= 15 {
            return String(unsafeUninitializedCapacity: slice.count) { $0.initialize(fromContentsOf: slice) }
        }
        return String(decoding: slice, as: UTF8.self)
    }

    private mutating func readEscapedString(from start: Int) throws(JSONParseError) -> String {
        var utf8: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                index += 1
                guard let s = String(validating: utf8, as: UTF8.self) else {
                    throw failure("invalid UTF-8 in a string", at: start)
                }
                return s
            }
            if b < 0x20 { throw failure("control character U+00\(hex2(b)) in a string must be escaped") }
            if b != UInt8(ascii: "\\") {
                utf8.append(b)
                index += 1
                continue
            }
            index += 1
            guard let e = peek() else { break }
            index += 1
            switch e {
            case UInt8(ascii: "\""): utf8.append(0x22)
            case UInt8(ascii: "\\"): utf8.append(0x5C)
            case UInt8(ascii: "/"): utf8.append(0x2F)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try readHex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard peek() == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                        throw failure("unpaired UTF-16 surrogate in \\u escape")
                    }
                    index += 2
                    let low = try readHex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw failure("unpaired UTF-16 surrogate in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw failure("unpaired UTF-16 surrogate in \\u escape")
                }
                guard let u = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
                utf8.append(contentsOf: UTF8.encode(u)!)
            default:
                throw failure("invalid escape '\\\(printable(e))' in a string", at: index - 2)
            }
        }
        throw failure("unterminated string", at: start - 1)
    }

    private mutating func readHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("unexpected end of input in a \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw failure("invalid hex digit in a \\u escape")
            }
            v = v << 4 | UInt32(d)
            index += 1
        }
        return v
    }

    /// Skips a string, checking escapes and control characters but not building it. True when
    /// it had an escape.
    @discardableResult @inline(__always) mutating func skipString() throws(JSONParseError) -> Bool {
        let start = index
        var escaped = false
        index += 1
        while index < bytes.count {
            skipPlainStringBytes(stopAtNonASCII: false)
            guard index < bytes.count else { break }
            let b = bytes[index]
            index += 1
            if b == UInt8(ascii: "\"") { return escaped }
            if b == UInt8(ascii: "\\") {
                escaped = true
                guard let e = peek() else { break }
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                    UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    continue
                case UInt8(ascii: "u"): _ = try readHex4()
                default: throw failure("invalid escape '\\\(printable(e))' in a string", at: index - 2)
                }
            } else if b < 0x20 {
                throw failure("control character U+00\(hex2(b)) in a string must be escaped", at: index - 1)
            }
        }
        throw failure("unterminated string", at: start)
    }

    @inline(__always) private func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }
}

private func printable(_ byte: UInt8) -> String {
    (0x21...0x7E).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + hex2(byte)
}

private func hex2(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}
