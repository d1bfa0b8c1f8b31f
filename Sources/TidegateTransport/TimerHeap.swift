/// A binary min-heap of connection deadlines for one event loop.
///
/// Entries are not removed when a deadline moves: each connection remembers the deadline it has queued,
/// and a popped entry that no longer matches is stale. Deadlines usually move later (keep-alive), so a
/// connection normally has one entry and activity costs no heap work.
struct TimerHeap {
    struct Entry {
        var deadline: UInt64
        var fd: Int32
        var serial: UInt64
    }

    private var entries: [Entry] = []

    var earliest: UInt64? { entries.first?.deadline }
    var count: Int { entries.count }

    mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].deadline < entries[parent].deadline else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest entry if it is due at `now`.
    mutating func popDue(now: UInt64) -> Entry? {
        guard let first = entries.first, first.deadline <= now else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < entries.count, entries[left].deadline < entries[smallest].deadline { smallest = left }
                if right < entries.count, entries[right].deadline < entries[smallest].deadline { smallest = right }
                if smallest == parent { break }
                entries.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first
    }
}
