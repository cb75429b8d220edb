import Foundation

/// Gives the heap's free pages back to the system between the phases of a run (glibc's `malloc_trim(0)`, found at
/// run time; nothing where the C library has none). glibc keeps memory freed inside its arenas resident, and what
/// collection and evaluation free is scattered among what they keep, so later, larger buffers (a report's bytes)
/// would otherwise come on top of it (at 10,000 keys, tens of MB of the peak). Changes nothing but the allocator's
/// state; the reporters call it once their tables are built, the evaluation between phases.
public enum HeapTrim {
    private typealias Trim = @convention(c) (Int) -> Int32
    private typealias Option = @convention(c) (Int32, Int32) -> Int32
    #if canImport(Glibc)
    // RTLD_DEFAULT is the null handle on glibc.
    private static let trim: Trim? = dlsym(nil, "malloc_trim").map { unsafeBitCast($0, to: Trim.self) }
    private static let option: Option? = dlsym(nil, "mallopt").map { unsafeBitCast($0, to: Option.self) }
    #else
    private static let trim: Trim? = nil
    private static let option: Option? = nil
    #endif

    /// Returns the free pages of every arena to the system.
    public static func release() { _ = trim?(0) }

    /// From now on, allocations of 256 KiB and more get pages of their own (`mallopt(M_MMAP_THRESHOLD, 256 KiB)`),
    /// handed back when freed. glibc otherwise raises that threshold to the size of the largest block freed (up to
    /// 32 MiB), after which the model's large arrays and the report buffers come from the arenas and their holes
    /// stay resident. Called once collection is over (so the log scans keep glibc's defaults).
    public static func mapLargeBlocks() { _ = option?(-3 /* M_MMAP_THRESHOLD */, 256 * 1024) }
}

