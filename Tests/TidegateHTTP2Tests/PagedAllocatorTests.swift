import CTidegateSystem
import Glibc
import Testing

/// The allocator HTTP/2 sessions use: malloc's contract, with large blocks as mappings of their
/// own so that their untouched pages stay off the resident set.
@Suite("Paged allocator for nghttp2")
struct PagedAllocatorTests {
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    static let threshold = Int(TG_PAGED_THRESHOLD)

    /// Pages of `[pointer, pointer + length)` resident in memory, by mincore.
    static func residentPages(_ pointer: UnsafeMutableRawPointer, _ length: Int) -> Int {
        let start = Int(bitPattern: pointer) / pageSize * pageSize
        let end = (Int(bitPattern: pointer) + length + pageSize - 1) / pageSize * pageSize
        var vector = [UInt8](repeating: 0, count: (end - start) / pageSize)
        let rv = mincore(UnsafeMutableRawPointer(bitPattern: start), end - start, &vector)
        #expect(rv == 0)
        return vector.filter { $0 & 1 == 1 }.count
    }

    /// Bytes whose period (251) no header or alignment offset divides, so a block copied from
    /// the wrong place cannot match. `seed` picks where in the pattern a block starts.
    static let pattern: [UInt8] = (0..<(1 << 20) + 256).map { UInt8($0 % 251) }

    static func fill(_ pointer: UnsafeMutableRawPointer, _ count: Int, seed: UInt8) {
        pattern.withUnsafeBytes { _ = memcpy(pointer, $0.baseAddress! + Int(seed), count) }
    }

    static func holds(_ pointer: UnsafeMutableRawPointer, _ count: Int, seed: UInt8) -> Bool {
        pattern.withUnsafeBytes { memcmp(pointer, $0.baseAddress! + Int(seed), count) == 0 }
    }

    struct Size: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: Int
        var mapped: Bool
        var testDescription: String { name }
    }

    static let sizes: [Size] = [
        Size(name: "an empty block comes from the heap", bytes: 0, mapped: false),
        Size(name: "a small block comes from the heap", bytes: 40, mapped: false),
        Size(name: "one byte under the threshold comes from the heap", bytes: threshold - 1, mapped: false),
        Size(name: "the threshold itself is a mapping", bytes: threshold, mapped: true),
        Size(name: "nghttp2's frame buffer (16,394 bytes) is a mapping", bytes: 16_394, mapped: true),
        Size(name: "a megabyte is a mapping", bytes: 1 << 20, mapped: true),
    ]

    @Test(arguments: sizes)
    func blocksAreUsableAndComeFromWhereTheirSizeSays(_ size: Size) throws {
        let pointer = try #require(tg_paged_malloc(size.bytes, nil))
        defer { tg_paged_free(pointer, nil) }
        #expect(Int(bitPattern: pointer) % 16 == 0, "malloc's alignment")
        #expect(tg_paged_usable_size(pointer) >= size.bytes)
        Self.fill(pointer, size.bytes, seed: 7)
        #expect(Self.holds(pointer, size.bytes, seed: 7))
        // A mapping starts one 16-byte header before the block, on a page boundary.
        let header = Int(bitPattern: pointer) - 16
        if size.mapped {
            #expect(header % Self.pageSize == 0)
            #expect(tg_paged_usable_size(pointer) == (size.bytes + 16 + Self.pageSize - 1) / Self.pageSize * Self.pageSize - 16)
        }
    }

    @Test func pagesOfALargeBlockNothingWroteAreNotResident() throws {
        let length = 64 * 1024
        let pointer = try #require(tg_paged_malloc(length, nil))
        defer { tg_paged_free(pointer, nil) }
        pointer.storeBytes(of: 1, as: UInt8.self)
        #expect(Self.residentPages(pointer, length) == 1)
        pointer.storeBytes(of: 1, toByteOffset: length - 1, as: UInt8.self)
        #expect(Self.residentPages(pointer, length) == 2)
    }

    @Test(arguments: [0, 1, 100, threshold - 16, threshold, 3 * threshold])
    func callocIsZeroed(_ bytes: Int) throws {
        // Dirty the heap first so that a zeroed block is not zero by luck.
        if let dirty = tg_paged_malloc(bytes, nil) {
            Self.fill(dirty, bytes, seed: 0xAA)
            tg_paged_free(dirty, nil)
        }
        let pointer = try #require(tg_paged_calloc(1, bytes, nil))
        defer { tg_paged_free(pointer, nil) }
        #expect((0..<bytes).allSatisfy { pointer.load(fromByteOffset: $0, as: UInt8.self) == 0 })
    }

    @Test func sizesThatOverflowAreRefused() {
        #expect(tg_paged_calloc(Int.max / 2, 4, nil) == nil)
        #expect(tg_paged_calloc(2, Int.max, nil) == nil)
        #expect(tg_paged_malloc(Int.max, nil) == nil)
        let small = tg_paged_malloc(8, nil)
        #expect(tg_paged_realloc(small, Int.max, nil) == nil, "refused, and the old block stays valid")
        tg_paged_free(small, nil)
    }

    @Test func freeingNothingIsAllowed() {
        tg_paged_free(nil, nil)
    }

    struct Resize: CustomTestStringConvertible, Sendable {
        var name: String
        var from: Int
        var to: Int
        var testDescription: String { name }
    }

    @Test(arguments: [
        Resize(name: "heap to a larger heap block", from: 100, to: 4000),
        Resize(name: "heap to a mapping", from: 1000, to: 40_000),
        Resize(name: "mapping to a larger mapping", from: 20_000, to: 200_000),
        Resize(name: "mapping to a smaller mapping keeps its place", from: 200_000, to: 20_000),
        Resize(name: "mapping to a heap block", from: 40_000, to: 500),
        Resize(name: "heap block shrinks", from: 4000, to: 10),
    ])
    func reallocKeepsTheContents(_ resize: Resize) throws {
        let first = try #require(tg_paged_malloc(resize.from, nil))
        Self.fill(first, resize.from, seed: 3)
        let second = try #require(tg_paged_realloc(first, resize.to, nil))
        defer { tg_paged_free(second, nil) }
        #expect(Self.holds(second, min(resize.from, resize.to), seed: 3))
        #expect(tg_paged_usable_size(second) >= resize.to)
        Self.fill(second, resize.to, seed: 9)
        #expect(Self.holds(second, resize.to, seed: 9))
    }

    @Test func reallocOfNothingAllocatesAndToZeroFrees() throws {
        let pointer = try #require(tg_paged_realloc(nil, 50_000, nil))
        #expect(tg_paged_usable_size(pointer) >= 50_000)
        #expect(tg_paged_realloc(pointer, 0, nil) == nil)
    }

    /// Random allocations, resizes and frees across the threshold, each block checked for the
    /// bytes last written to it: the header bookkeeping must never mix up heap and mappings.
    @Test func randomSequencesKeepEveryBlockIntact() throws {
        var generator = SystemRandomNumberGenerator()
        var live: [(pointer: UnsafeMutableRawPointer, size: Int, seed: UInt8)] = []
        for step in 0..<3000 {
            let size = Bool.random(using: &generator) ? Int.random(in: 0..<2048, using: &generator)
                : Int.random(in: Self.threshold - 64..<Self.threshold * 4, using: &generator)
            let seed = UInt8(truncatingIfNeeded: step)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0 where !live.isEmpty:
                let victim = live.remove(at: Int.random(in: 0..<live.count, using: &generator))
                #expect(Self.holds(victim.pointer, victim.size, seed: victim.seed))
                tg_paged_free(victim.pointer, nil)
            case 1 where !live.isEmpty:
                let i = Int.random(in: 0..<live.count, using: &generator)
                let moved = try #require(tg_paged_realloc(live[i].pointer, max(size, 1), nil))
                #expect(Self.holds(moved, min(live[i].size, max(size, 1)), seed: live[i].seed))
                Self.fill(moved, max(size, 1), seed: seed)
                live[i] = (moved, max(size, 1), seed)
            default:
                let pointer = try #require(Bool.random(using: &generator)
                    ? tg_paged_malloc(size, nil) : tg_paged_calloc(1, size, nil))
                Self.fill(pointer, size, seed: seed)
                live.append((pointer, size, seed))
            }
        }
        for block in live {
            #expect(Self.holds(block.pointer, block.size, seed: block.seed))
            tg_paged_free(block.pointer, nil)
        }
    }
}
