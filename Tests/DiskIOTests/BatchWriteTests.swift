// DirectoryHandle.write(batch:): every file whole under its name (replacing an old one), no
// temporary left behind; when one rename fails, the files before it stay whole, the old contents
// of the rest stay, and the batch's temporaries are gone.
import DiskIO
import Foundation
import TestSupport
import Testing

@Suite struct BatchWriteTests {
    @Test func writesEveryFileAndLeavesNoTemporary() throws {
        let dir = TemporaryDirectory()
        try AtomicFile.write(Array("old".utf8), to: dir.file("b.png"))
        let handle = try DirectoryHandle(opening: dir.path)
        try handle.write(batch: [(name: "a.png", bytes: Array("A".utf8)), (name: "b.png", bytes: Array("B".utf8))])
        #expect(try String(contentsOfFile: dir.file("a.png"), encoding: .utf8) == "A")
        #expect(try String(contentsOfFile: dir.file("b.png"), encoding: .utf8) == "B")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["a.png", "b.png"])
        try handle.write(batch: [])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).count == 2)
    }

    @Test func aFailedRenameKeepsEarlierFilesAndRemovesTheTemporaries() throws {
        let dir = TemporaryDirectory()
        try AtomicFile.write(Array("old c".utf8), to: dir.file("c.png"))
        // A directory named like the second file: renaming a file onto it fails (EISDIR).
        try FileManager.default.createDirectory(atPath: dir.file("b.png"), withIntermediateDirectories: false)
        let handle = try DirectoryHandle(opening: dir.path)
        let error = try #require(throws: DiskIOError.self) {
            try handle.write(batch: [
                (name: "a.png", bytes: Array("A".utf8)), (name: "b.png", bytes: Array("B".utf8)),
                (name: "c.png", bytes: Array("C".utf8)),
            ])
        }
        #expect(error.description.contains("b.png"))
        #expect(try String(contentsOfFile: dir.file("a.png"), encoding: .utf8) == "A")
        #expect(try String(contentsOfFile: dir.file("c.png"), encoding: .utf8) == "old c")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["a.png", "b.png", "c.png"])
    }
}
