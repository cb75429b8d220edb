@testable import CEKAuditCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The scratch file live collectors spill API answers to (``PayloadSpillFile``): every byte comes back as it went
/// in, the file leaves no name behind, and a write that fails keeps the bytes in memory with a warning (never a
/// silent loss).
struct PayloadSpillTests {
    static func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-spill-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Deterministic bytes of every value (a payload is binary-safe, not text).
    static func bytes(_ count: Int, seed: UInt8) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) })
    }

    @Test func everyAppendReadsBackExactlyAndTheFileHasNoName() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spill = try PayloadSpillFile(directory: dir)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "unlinked at once: nothing is left behind, even after a crash")
        let inputs = [Data(), Self.bytes(1, seed: 7), Self.bytes(1_000, seed: 1), Self.bytes(300_000, seed: 2), Data("{\"KeyId\":\"k\"}".utf8)]
        let places = try inputs.map { try spill.append($0) }
        #expect(places.map(\.offset) == [0, 0, 1, 1_001, 301_001])
        #expect(places.map(\.length) == inputs.map(\.count))
        #expect(spill.size == inputs.map(\.count).reduce(0, +))
        for (place, input) in zip(places, inputs).reversed() { #expect(try place.read() == input) }
        #expect(places[1] != places[0] && places[1] == places[1])
    }

    @Test func appendsFromManyTasksEachGetTheirOwnBytes() async throws {
        let spill = try PayloadSpillFile()
        let places = await withTaskGroup(of: [(Data, SpilledPayload?)].self) { group in
            for t in 0..<8 {
                group.addTask {
                    (0..<200).map { i in
                        let d = Self.bytes(50 + (i * 37 + t) % 900, seed: UInt8(t))
                        return (d, try? spill.append(d))
                    }
                }
            }
            var all: [(Data, SpilledPayload?)] = []
            for await part in group { all += part }
            return all
        }
        #expect(places.count == 1_600)
        for (data, place) in places {
            let place = try #require(place)
            #expect(try place.read() == data)
        }
        #expect(spill.size == places.map(\.0.count).reduce(0, +))
    }

    @Test func aFolderThatCannotHoldTheFileIsAnError() throws {
        #expect(throws: PayloadSpillFile.Failure.self) { try PayloadSpillFile(directory: "/nonexistent-\(UUID().uuidString)") }
    }

    @Test func bytesBeyondTheEndAreAnErrorNotEmptyData() throws {
        let spill = try PayloadSpillFile()
        let place = try spill.append(Self.bytes(10, seed: 3))
        let beyond = SpilledPayload(file: spill, offset: place.offset, length: 11)
        #expect(throws: PayloadSpillFile.Failure.self) { try beyond.read() }
    }

    /// `/dev/full` answers every write with ENOSPC, as a full disk does.
    @Test func aFullDiskKeepsTheBytesInMemoryAndSaysSoOnce() throws {
        let fd = open("/dev/full", O_RDWR | O_CLOEXEC)
        try #require(fd >= 0)
        let spill = PayloadSpillFile(descriptor: fd, directory: "/dev")
        #expect(throws: PayloadSpillFile.Failure.self) { try spill.append(Self.bytes(5, seed: 0)) }
        var facts = FactSet()
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let a = Self.bytes(40, seed: 4), b = Self.bytes(60, seed: 5)
        let itemA = EvidenceItem(collector: "aws-kms", locator: "aws-kms://111122223333/us-east-1/DescribeKey/a", kind: "aws-api-response", bytes: a, collectedAt: now)
        let itemB = EvidenceItem(collector: "aws-kms", locator: "aws-kms://111122223333/us-east-1/DescribeKey/b", kind: "aws-api-response", bytes: b, collectedAt: now)
        facts.addEvidence(itemA, bytes: a, spillingTo: spill)
        facts.addEvidence(itemB, bytes: b, spillingTo: spill)
        #expect(facts.evidence == [itemA, itemB])
        #expect(facts.payloadSpills.isEmpty)
        #expect(facts.payloads == [itemA.id: a, itemB.id: b], "nothing is lost")
        #expect(facts.diagnostics.count == 1, "one warning for the run, not one per answer")
        let warning = try #require(facts.diagnostics.first)
        #expect(warning.severity == .warning)
        #expect(warning.message.contains("cannot write evidence bytes to the scratch file"))
        #expect(warning.message.contains(String(cString: strerror(ENOSPC))))
        #expect(try facts.heldPayload(itemB.id) == b)
    }

    @Test func spilledAndHeldBytesMergeAndReadAlike() throws {
        let spill = try PayloadSpillFile()
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let a = Self.bytes(40, seed: 8), b = Self.bytes(70, seed: 9)
        let itemA = EvidenceItem(collector: "x", locator: "x://a", kind: "k", bytes: a, collectedAt: now)
        let itemB = EvidenceItem(collector: "x", locator: "x://b", kind: "k", bytes: b, collectedAt: now)
        var one = FactSet(), two = FactSet()
        one.addEvidence(itemA, bytes: a, spillingTo: spill)
        two.addEvidence(itemB, bytes: b)
        one.merge(two)
        #expect(one.payloads.keys.sorted() == [itemB.id])
        #expect(one.payloadSpills.keys.sorted() == [itemA.id])
        #expect(try one.heldPayloads() == [itemA.id: a, itemB.id: b])
        #expect(try one.heldPayload("ev-none") == nil)
    }
}
