import CEKAuditKit
import Foundation

// The libFuzzer driver for the parsers in ``FuzzTargets``. Built only with CEK_AUDIT_FUZZ=1 (see scripts/fuzz.sh):
// our targets are then compiled with `-sanitize=fuzzer,address` and this executable links libFuzzer without its
// main. The target is chosen by $CEK_AUDIT_FUZZ_TARGET; every other argument is libFuzzer's.

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// The target this process fuzzes.
nonisolated(unsafe) var fuzzTarget = ""

/// SwiftPM links an executable's entry point as `<module>_main`.
@_cdecl("CEKAuditFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzTarget = ProcessInfo.processInfo.environment["CEK_AUDIT_FUZZ_TARGET"] ?? ""
    guard FuzzTargets.names.contains(fuzzTarget) else {
        FileHandle.standardError.write(Data("set CEK_AUDIT_FUZZ_TARGET to one of: \(FuzzTargets.names.joined(separator: ", "))\n".utf8))
        return 64
    }
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v) { data, count in
        guard let data else { return 0 }
        FuzzTargets.run(fuzzTarget, Data(bytes: data, count: count))
        return 0
    }
}
