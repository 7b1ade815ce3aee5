import DiskIO
// The no-replace move behind spool claims. The stale-link cases reproduce what a racing link(2)
// can leave (a destination linked from an inode the source name no longer denotes) and check that
// the fallback refuses it; the race test has many threads fight over each file.
import Foundation
import TestSupport
import Testing

@Suite struct ExclusiveMoveTests {
    @Test func movesOnlyIntoAFreeName() throws {
        let dir = TemporaryDirectory()
        try Data("a".utf8).write(to: URL(fileURLWithPath: dir.file("a")))
        try Data("b".utf8).write(to: URL(fileURLWithPath: dir.file("b")))
        #expect(try AtomicFile.moveExclusive(dir.file("a"), to: dir.file("b")) == false)
        #expect(try String(contentsOfFile: dir.file("b"), encoding: .utf8) == "b")
        #expect(try AtomicFile.moveExclusive(dir.file("a"), to: dir.file("c")))
        #expect(FileManager.default.fileExists(atPath: dir.file("a")) == false)
        #expect(try String(contentsOfFile: dir.file("c"), encoding: .utf8) == "a")
        #expect(try AtomicFile.moveExclusive(dir.file("a"), to: dir.file("d")) == false)
    }

    @Test func fallbackRefusesALinkWhoseSourceNameMovedOn() throws {
        let dir = TemporaryDirectory()
        // The winner moved the file to done/ and a new file now has the old name; the loser's
        // stale link(2) made `work` another name of the winner's file.
        try Data("old".utf8).write(to: URL(fileURLWithPath: dir.file("done")))
        #expect(link(dir.file("done"), dir.file("work")) == 0)
        try Data("resubmitted".utf8).write(to: URL(fileURLWithPath: dir.file("new")))
        #expect(try AtomicFile.settleLink(dir.file("new"), to: dir.file("work")) == false)
        #expect(FileManager.default.fileExists(atPath: dir.file("work")) == false)
        #expect(try String(contentsOfFile: dir.file("new"), encoding: .utf8) == "resubmitted")
        #expect(try String(contentsOfFile: dir.file("done"), encoding: .utf8) == "old")

        // Same, with the source name simply gone.
        #expect(link(dir.file("done"), dir.file("work")) == 0)
        try FileManager.default.removeItem(atPath: dir.file("new"))
        #expect(try AtomicFile.settleLink(dir.file("new"), to: dir.file("work")) == false)
        #expect(FileManager.default.fileExists(atPath: dir.file("work")) == false)
    }

    @Test func fallbackKeepsAnHonestLink() throws {
        let dir = TemporaryDirectory()
        try Data("job".utf8).write(to: URL(fileURLWithPath: dir.file("new")))
        #expect(try AtomicFile.linkExclusive(dir.file("new"), to: dir.file("work")))
        #expect(FileManager.default.fileExists(atPath: dir.file("new")) == false)
        #expect(try String(contentsOfFile: dir.file("work"), encoding: .utf8) == "job")
        try Data("other".utf8).write(to: URL(fileURLWithPath: dir.file("new")))
        #expect(try AtomicFile.linkExclusive(dir.file("new"), to: dir.file("work")) == false)
    }

    @Test func eachFileIsWonByExactlyOneRacer() async throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("new"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.file("work"), withIntermediateDirectories: true)
        let files = 300, racers = 6
        for index in 0..<files {
            try Data("\(index)".utf8).write(to: URL(fileURLWithPath: dir.file("new/\(index)")))
        }
        let root = dir.path
        let wins = try await withThrowingTaskGroup(of: [Int].self) { group in
            for racer in 0..<racers {
                group.addTask {
                    var won: [Int] = []
                    for index in (0..<files).map({ ($0 + racer * 37) % files }) {
                        // Move on at once, as a fast worker does: work/ → done/ frees the name.
                        if try AtomicFile.moveExclusive(root + "/new/\(index)", to: root + "/work/\(index)") {
                            won.append(index)
                            try AtomicFile.move(root + "/work/\(index)", to: root + "/done-\(index)")
                        }
                    }
                    return won
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(wins.count == files)
        #expect(Set(wins).count == files)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("work")).isEmpty)
    }
}

/// Two names of one file with different inode numbers, as sshfs reports a hard link: the fallback
/// must judge the file by its bytes, not refuse every claim (before, sshfs never claimed a job).
@Suite struct RenumberedInodeTests {
    @Test func aLinkWhoseInodeNumberDiffersButBytesMatchIsKept() throws {
        let dir = TemporaryDirectory()
        try Data("job".utf8).write(to: URL(fileURLWithPath: dir.file("new")))
        // What sshfs shows after link(new, work): a second name with its own inode number.
        try Data("job".utf8).write(to: URL(fileURLWithPath: dir.file("work")))
        #expect(try AtomicFile.settleLink(dir.file("new"), to: dir.file("work")))
        #expect(FileManager.default.fileExists(atPath: dir.file("new")) == false)
        #expect(try String(contentsOfFile: dir.file("work"), encoding: .utf8) == "job")
    }

    @Test func aLinkWithOtherBytesIsStillUndone() throws {
        let dir = TemporaryDirectory()
        try Data("resubmitted".utf8).write(to: URL(fileURLWithPath: dir.file("new")))
        try Data("old job!!!!".utf8).write(to: URL(fileURLWithPath: dir.file("work")))  // same size, other bytes
        #expect(try AtomicFile.settleLink(dir.file("new"), to: dir.file("work")) == false)
        #expect(FileManager.default.fileExists(atPath: dir.file("work")) == false)
        #expect(try String(contentsOfFile: dir.file("new"), encoding: .utf8) == "resubmitted")
    }

    /// A network mount's attribute cache can say the new name exists after a worker on another host
    /// has already claimed it onward: the comparison must report it gone (the link happened: keep
    /// it), not "different bytes" (undo: the submitter reported a false duplicate and the claim's
    /// name was unlinked under the worker).
    @Test func aNewNameThatMovedOnIsReportedGoneNotDifferent() throws {
        let dir = TemporaryDirectory()
        try Data("job".utf8).write(to: URL(fileURLWithPath: dir.file("tmp")))
        try Data("job".utf8).write(to: URL(fileURLWithPath: dir.file("new")))
        let handle = try DirectoryHandle(opening: dir.path)
        let mine = try #require(handle.status("tmp")), theirs = try #require(handle.status("new"))
        #expect(handle.sameContents("tmp", handle, "new", mine, theirs) == .same)
        try FileManager.default.removeItem(atPath: dir.file("new"))  // claimed onward; `theirs` is now stale
        #expect(handle.sameContents("tmp", handle, "new", mine, theirs) == .otherGone)
        try Data("other".utf8).write(to: URL(fileURLWithPath: dir.file("new")))
        #expect(handle.sameContents("tmp", handle, "new", mine, try #require(handle.status("new"))) == .different)
    }
}
