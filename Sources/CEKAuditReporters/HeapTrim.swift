import Foundation

/// Gives the heap's free pages back to the system between the phases of a run (glibc's `malloc_trim(0)`, found at
/// run time; nothing where the C library has none). glibc keeps memory freed inside its arenas resident, and what
/// collection and evaluation free is scattered among what they keep, so later, larger buffers (a report's bytes)
/// would otherwise come on top of it (at 10,000 keys, tens of MB of the peak). Changes nothing but the allocator's
/// state; the reporters call it once their tables are built, the evaluation between phases.
public enum HeapTrim {
    private typealias Trim = @convention(c) (Int) -> Int32
    #if canImport(Glibc)
    // RTLD_DEFAULT is the null handle on glibc.
    private static let trim: Trim? = dlsym(nil, "malloc_trim").map { unsafeBitCast($0, to: Trim.self) }
    #else
    private static let trim: Trim? = nil
    #endif

    /// Returns the free pages of every arena to the system.
    public static func release() { _ = trim?(0) }
}

