// Benchmark driver (not a test) for Benchmarks/hcl-parse.sh: reads and evaluates the Terraform root module in the
// folder given, as the terraform-hcl collector does, and prints the time, the files, lines and resources.
// Compiled with the CEKAuditHCL sources directly (that target depends on Foundation only).
import Foundation

let args = CommandLine.arguments
guard args.count >= 2 else {
    FileHandle.standardError.write(Data("usage: hcl-parse FOLDER [RUNS]\n".utf8))
    exit(64)
}
let folder = URL(fileURLWithPath: args[1])
let runs = args.count > 2 ? max(1, Int(args[2]) ?? 5) : 5
var best = Double.infinity
var config: TerraformConfiguration?
for _ in 0..<runs {
    let start = DispatchTime.now().uptimeNanoseconds
    config = TerraformConfiguration(folder: folder)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    best = min(best, seconds)
}
guard let config else { exit(1) }
var lines = 0
for f in config.files {
    if let d = FileManager.default.contents(atPath: folder.appendingPathComponent(f).path) { lines += d.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
}
let unknown = config.resources.filter { $0.values.values.contains { $0.containsUnknown } }.count
print("parse+evaluate: \(String(format: "%.3f", best)) s (best of \(runs)) for \(config.files.count) files, \(lines) lines, "
      + "\(config.resources.count) resource instances (\(unknown) with unknown values), \(config.notes.count) notes")
