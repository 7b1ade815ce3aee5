// The watcher wakes on inotify at once, falls back to the poll interval, and stops on request.
import Foundation
import Spool
import Testing

@Suite struct SpoolWatcherTests {
    @Test func inotifyWakesOnSubmitLongBeforeThePollInterval() throws {
        let fixture = try SpoolFixture()
        let watcher = try SpoolWatcher(spool: fixture.spool, pollInterval: 30)
        #expect(watcher.usesInotify)
        let spool = fixture.spool
        let started = Date()
        let producer = Thread {
            usleep(50_000)
            _ = try? spool.submit(RenderJob(id: "ping", model: .quality(.fastest)))
        }
        producer.start()
        var wake = watcher.wait()
        while case .changed(let names) = wake, !names.contains("ping.json") { wake = watcher.wait() }
        let latency = Date().timeIntervalSince(started) - 0.05
        #expect(wake == .changed(["ping.json"]))
        #expect(latency < 5, "woke after \(latency)s")
        print("inotify wake latency after submit: \(Int(latency * 1000)) ms")
        #expect(try fixture.spool.claimNext(as: fixture.worker)?.id == "ping")
    }

    @Test func cpIntoNewWakesOnCloseWrite() throws {
        let fixture = try SpoolFixture()
        try fixture.drop("", as: "copied.json")  // exists before the watch: only the close can wake us
        let watcher = try SpoolWatcher(spool: fixture.spool, pollInterval: 30)
        let handle = try #require(FileHandle(forWritingAtPath: fixture.root + "/new/copied.json"))
        handle.write(Data(job(#""quality": "best""#)))
        try handle.close()
        #expect(watcher.wait() == .changed(["copied.json"]))
    }

    @Test func pollingOnlyWakesOnTheInterval() throws {
        let fixture = try SpoolFixture()
        let watcher = try SpoolWatcher(spool: fixture.spool, pollInterval: 0.05, useInotify: false)
        #expect(!watcher.usesInotify)
        try fixture.spool.submit(RenderJob(id: "quiet", model: .quality(.fastest)))
        #expect(watcher.wait() == .poll)
    }

    @Test func stopEndsWaitsAndTheAsyncSequence() async throws {
        let fixture = try SpoolFixture()
        let watcher = try SpoolWatcher(spool: fixture.spool, pollInterval: 0.02)
        var polls = 0
        for await wake in watcher.wakes() {
            #expect(wake == .poll)
            polls += 1
            if polls == 3 { watcher.stop() }
        }
        #expect(polls >= 3)  // wakes already queued before the stop are still delivered
        #expect(watcher.wait() == .stopped)
    }
}
