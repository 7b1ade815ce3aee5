// Exclusive claims across processes: the test binary re-runs itself as worker processes (the
// `childWorker` test, enabled only by an environment switch) that race over one spool. Every job
// must be claimed exactly once. Threads alone would not prove this: the claim is a file-system
// protocol, and processes share nothing else.
import Foundation
import Spool
import Testing

@Suite struct MultiProcessClaimTests {
    static let childRoot = "KAC_SPOOL_CHILD_ROOT"
    static let childLog = "KAC_SPOOL_CHILD_LOG"
    static let isChild = ProcessInfo.processInfo.environment[childRoot] != nil

    @Test(.disabled(if: isChild)) func fourProcessesClaimEachOfEightHundredJobsExactlyOnce() throws {
        let fixture = try SpoolFixture()
        let jobs = 800, workers = 4
        let body = Data(job(#""quality": "fastest""#))
        for index in 0..<jobs {  // seeded directly: the producer side is not what is measured here
            _ = FileManager.default.createFile(atPath: fixture.root + "/tmp/j\(index).json", contents: body)
            try FileManager.default.moveItem(atPath: fixture.root + "/tmp/j\(index).json", toPath: fixture.root + "/new/j\(index).json")
        }
        let started = Date()
        let children = try (0..<workers).map { worker -> Process in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            process.arguments = ["--testing-library", "swift-testing", "--filter", "MultiProcessClaimTests/childWorker"]
            var environment = ProcessInfo.processInfo.environment
            environment[Self.childRoot] = fixture.root
            environment[Self.childLog] = fixture.directory.path + "/claims-\(worker).log"
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        for child in children {
            child.waitUntilExit()
            #expect(child.terminationStatus == 0)
        }
        let elapsed = Date().timeIntervalSince(started)
        var claims: [String: [String]] = [:]
        for worker in 0..<workers {
            let log = (try? String(contentsOfFile: fixture.directory.path + "/claims-\(worker).log", encoding: .utf8)) ?? ""
            let ids = log.split(separator: "\n").map(String.init)
            for id in ids { claims[id, default: []].append("worker \(worker)") }
            print("worker \(worker) claimed \(ids.count) jobs")
        }
        #expect(claims.count == jobs)
        #expect(claims.values.allSatisfy { $0.count == 1 }, "\(claims.filter { $0.value.count > 1 })")
        #expect(fixture.names("done").count == jobs && fixture.names("new").isEmpty && fixture.names("work").isEmpty)
        print(
            "\(jobs) claims by \(workers) processes in \(String(format: "%.2f", elapsed)) s (\(Int(Double(jobs) / elapsed)) claims/s incl. process start)"
        )
    }

    /// Runs only inside a child process: claims and completes jobs until the queue is empty,
    /// logging each claimed id.
    @Test(.enabled(if: isChild)) func childWorker() throws {
        let environment = ProcessInfo.processInfo.environment
        let root = try #require(environment[Self.childRoot]), logPath = try #require(environment[Self.childLog])
        let spool = try Spool(root: root, create: false)
        let worker = WorkerIdentity.current()
        var log = ""
        while let claim = try spool.claimNext(as: worker) {
            log += claim.id + "\n"
            try spool.finish(claim, outcome: .completed)
        }
        try log.write(toFile: logPath, atomically: false, encoding: .utf8)
    }
}
