import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file or folder could not be read or written, in words a user can act on: what happened and what to do.
///
/// The one place file-system errors become text (catalog, assessment file, evidence files, logs, bundles, report
/// folders). Foundation's own messages say too little or the wrong thing ("NSCocoaErrorDomain error 512" for an output
/// folder below `/dev/null`, "You don't have permission" for a named pipe when running as root, "no such file" for a
/// symbolic link that loops), so the path is examined with `lstat(2)` / `stat(2)` first — what is at the path, or
/// which part of it is missing or not a folder — and the `errno` carried by the error (POSIX or `CocoaError` code)
/// decides the rest (permissions, a full disk, a read-only file system).
public struct FileProblem: Sendable, Hashable, CustomStringConvertible {
    /// What happened, as a clause: "it does not exist", "“/dev/null” is a character device, not a folder".
    public var what: String
    /// What to do, as an imperative sentence without the final full stop.
    public var fix: String
    /// Whether nothing is at the path (or a folder above it is missing): a usage error rather than a broken file.
    public var pathMissing: Bool

    /// `what. Fix: fix.`
    public var description: String { "\(what). Fix: \(fix)." }

    /// Why `path` could not be read as a file (or, with `folder`, listed as a folder); `error` is what the failed
    /// call threw, when there was one.
    public static func reading(_ path: String, error: (any Error)? = nil, folder: Bool = false) -> FileProblem {
        if let missing = missingPart(of: path) { return missing }
        if let link = brokenLink(path) { return link }
        if let kind = fileKind(path) {
            if folder && kind != S_IFDIR {
                return FileProblem(what: "it is \(describe(kind)), not a folder", fix: "pass a folder", pathMissing: false)
            }
            if !folder && kind != S_IFREG {
                return FileProblem(what: "it is \(describe(kind)), not a regular file",
                                   fix: kind == S_IFDIR ? "pass a file inside it" : "pass a regular file (copy the content into one first)",
                                   pathMissing: false)
            }
        }
        if let code = errno(of: error) { return fromErrno(code, path: path, writing: false) }
        if access(path, R_OK) != 0 {
            return fromErrno(currentErrno(), path: path, writing: false)
        }
        return FileProblem(what: error.map(plainMessage) ?? "it could not be read", fix: "check that the file can be read", pathMissing: false)
    }

    /// Why `path` (a file to write, or a folder to create) could not be written; `error` is what the failed call
    /// threw.
    public static func writing(_ path: String, error: (any Error)? = nil) -> FileProblem {
        // A folder above the path that is not a folder (`/dev/null/x`): nothing can be created inside it.
        var ancestor = (path as NSString).deletingLastPathComponent
        while !ancestor.isEmpty && ancestor != "/" && ancestor != "." {
            if let kind = fileKind(ancestor) {
                if kind != S_IFDIR {
                    return FileProblem(what: "“\(ancestor)” is \(describe(kind)), not a folder, so nothing can be created inside it",
                                       fix: "choose a path whose parents are folders", pathMissing: false)
                }
                break
            }
            if let link = brokenLink(ancestor) { return link }
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
        if let code = errno(of: error) { return fromErrno(code, path: path, writing: true) }
        return FileProblem(what: error.map(plainMessage) ?? "it could not be written", fix: "check the path and its permissions",
                           pathMissing: false)
    }

    // MARK: - Examining the path

    /// The file type bits (`S_IFREG`, `S_IFDIR` …) of what `path` leads to, following links; `nil` when `stat` fails.
    static func fileKind(_ path: String) -> mode_t? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return st.st_mode & S_IFMT
    }

    static func describe(_ kind: mode_t) -> String {
        switch kind {
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a named pipe (FIFO)"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFREG: return "a regular file"
        default: return "a special file"
        }
    }

    /// A symbolic link at `path` that cannot be followed: a loop, or a target that does not exist.
    static func brokenLink(_ path: String) -> FileProblem? {
        var st = stat()
        guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFLNK else { return nil }
        var target = stat()
        if stat(path, &target) == 0 { return nil }
        let code = currentErrno()
        let destination = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { " to “\($0)”" } ?? ""
        if code == ELOOP {
            return FileProblem(what: "it is a symbolic link\(destination) that leads back to itself (a loop of links)",
                               fix: "point the link at a real file or folder, or pass that path instead", pathMissing: false)
        }
        if code == ENOENT {
            return FileProblem(what: "it is a symbolic link\(destination), which does not exist",
                               fix: "correct the link, or pass the path of an existing file", pathMissing: true)
        }
        return nil
    }

    /// When `path` or a folder above it does not exist, or a part of it is not a folder: the problem naming that part.
    static func missingPart(of path: String) -> FileProblem? {
        var st = stat()
        if lstat(path, &st) == 0 { return nil }
        let code = currentErrno()
        switch code {
        case ENOENT:
            // Name the first part of the path that is missing, below the deepest folder that exists.
            var missing = path, parent = (path as NSString).deletingLastPathComponent
            while !parent.isEmpty && parent != "/" && parent != "." && lstat(parent, &st) != 0 {
                missing = parent
                parent = (parent as NSString).deletingLastPathComponent
            }
            let fix = "check the path (a relative path starts at the current folder)"
            if missing == path {
                return FileProblem(what: "it does not exist", fix: fix, pathMissing: true)
            }
            let folder = parent.isEmpty ? "the current folder" : "“\(parent)”"
            return FileProblem(what: "it does not exist: \(folder) has no “\((missing as NSString).lastPathComponent)”", fix: fix,
                               pathMissing: true)
        case ENOTDIR:
            var parent = (path as NSString).deletingLastPathComponent
            while !parent.isEmpty && parent != "/" {
                if let kind = fileKind(parent), kind != S_IFDIR {
                    return FileProblem(what: "“\(parent)” is \(describe(kind)), not a folder, so nothing is inside it",
                                       fix: "check the path", pathMissing: true)
                }
                parent = (parent as NSString).deletingLastPathComponent
            }
            return FileProblem(what: "a part of the path is not a folder", fix: "check the path", pathMissing: true)
        case ELOOP:
            return FileProblem(what: "a symbolic link in the path leads back to itself (a loop of links)",
                               fix: "correct the link, or pass the real path", pathMissing: false)
        default:
            return fromErrno(code, path: path, writing: false)
        }
    }

    // MARK: - errno

    /// The POSIX error number an error carries: a `POSIXError`, an `NSPOSIXErrorDomain` error, an underlying one, or a
    /// `CocoaError` file code with a known meaning.
    static func errno(of error: (any Error)?) -> Int32? {
        guard let error else { return nil }
        if let posix = error as? POSIXError { return posix.code.rawValue }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return Int32(ns.code) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, let code = errno(of: underlying) { return code }
        guard ns.domain == NSCocoaErrorDomain else { return nil }
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return ENOENT
        case .fileReadNoPermission, .fileWriteNoPermission: return EACCES
        case .fileWriteOutOfSpace: return ENOSPC
        case .fileWriteVolumeReadOnly: return EROFS
        case .fileWriteFileExists: return EEXIST
        case .fileReadTooLarge: return EFBIG
        case .fileWriteInvalidFileName: return ENAMETOOLONG
        default: return nil
        }
    }

    static func fromErrno(_ code: Int32, path: String, writing: Bool) -> FileProblem {
        let verb = writing ? "write" : "read"
        switch code {
        case ENOENT:
            return FileProblem(what: "it does not exist", fix: "check the path", pathMissing: true)
        case EACCES, EPERM:
            let user = getuid() == 0 ? "even root" : "the user running cek-audit (uid \(getuid()))"
            return FileProblem(what: "permission denied: \(user) may not \(verb) it",
                               fix: "change its permissions or owner, or run as a user who may \(verb) it", pathMissing: false)
        case EISDIR:
            return FileProblem(what: "it is a folder, not a file", fix: "pass a file", pathMissing: false)
        case ENOTDIR:
            return FileProblem(what: "a part of the path is not a folder", fix: "check the path", pathMissing: !writing)
        case ELOOP:
            return FileProblem(what: "a symbolic link in the path leads back to itself (a loop of links)",
                               fix: "correct the link, or pass the real path", pathMissing: false)
        case ENAMETOOLONG:
            return FileProblem(what: "the path or one of its names is too long", fix: "use a shorter path", pathMissing: false)
        case ENOSPC:
            return FileProblem(what: "the disk is full", fix: "free some space or choose another disk", pathMissing: false)
        case EDQUOT:
            return FileProblem(what: "the disk quota is used up", fix: "free some space or choose another disk", pathMissing: false)
        case EROFS:
            return FileProblem(what: "the file system is read-only", fix: "choose a folder on a writable disk", pathMissing: false)
        case EEXIST:
            return FileProblem(what: "something is already there and is in the way", fix: "remove it or choose another path",
                               pathMissing: false)
        case EMFILE, ENFILE:
            return FileProblem(what: "too many files are open", fix: "raise the open-file limit (ulimit -n) and run again",
                               pathMissing: false)
        case EFBIG:
            return FileProblem(what: "it is too large", fix: "split it into smaller files", pathMissing: false)
        case EIO:
            return FileProblem(what: "the disk reported an input/output error", fix: "check the disk, then run again",
                               pathMissing: false)
        default:
            return FileProblem(what: String(cString: strerror(code)).lowercased(), fix: "check the path and its permissions",
                               pathMissing: false)
        }
    }

    /// A Foundation message without its "The file “x” couldn’t be …" wrapper when it has nothing better.
    static func plainMessage(_ error: any Error) -> String {
        let text = (error as NSError).localizedDescription
        return text.hasSuffix(".") ? String(text.dropLast()) : text
    }
}

/// The calling thread's `errno`.
private func currentErrno() -> Int32 {
    #if canImport(Glibc)
    return Glibc.errno
    #else
    return Darwin.errno
    #endif
}
