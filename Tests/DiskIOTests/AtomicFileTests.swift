import DiskIO
import Foundation
import TestSupport
import Testing

struct InjectedCrash: Error {}

@Suite struct AtomicFileTests {
    @Test func writesAndReplaces() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("a.txt")
        try AtomicFile.write(Array("one".utf8), to: path)
        try AtomicFile.write(Array("two".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
    }

    @Test(arguments: [FaultPoint.afterTemporaryWrite, .afterFsync])
    func crashBeforeRenameLeavesOldContentAndNoTemporary(point: FaultPoint) throws {
        let dir = TemporaryDirectory()
        let path = dir.file("a.txt")
        try AtomicFile.write(Array("old".utf8), to: path)
        #expect(throws: InjectedCrash.self) {
            try AtomicFile.write(
                Array("new".utf8), to: path,
                faults: FaultInjector { if $0 == point { throw InjectedCrash() } })
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["a.txt"])
    }

    @Test func exclusiveRefusesToReplace() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("a.txt")
        #expect(try AtomicFile.write(Array("first".utf8), to: path, exclusive: true))
        #expect(try AtomicFile.write(Array("second".utf8), to: path, exclusive: true) == false)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first")
    }

    @Test func missingDirectoryIsAClearError() throws {
        let error = try #require(throws: DiskIOError.self) {
            try AtomicFile.write(Array("x".utf8), to: "/nonexistent-kac-dir/a.txt")
        }
        #expect(error.code == .notFound && error.errno == ENOENT && error.systemCall == "open")
        #expect(error.description.contains("/nonexistent-kac-dir/a.txt"))
    }
}
