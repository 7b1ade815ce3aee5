// The start-up probe on the local file system of the tests: safe, with a named type and the move
// it uses, and it leaves nothing behind in `.kac-probe/`. (Refusals are asserted on a real
// object-store mount in SharedSpoolTests.) Also the parsing of mount points from mountinfo.
import Foundation
import Spool
import Testing

@Suite struct FilesystemProbeTests {
    @Test func aLocalSpoolIsSafeAndTheProbeCleansUp() throws {
        let fixture = try SpoolFixture()
        let probe = fixture.spool.probeFilesystem()
        #expect(probe.verdict == .safe, "\(probe)")
        #expect(probe.exclusiveMove == "renameat2" || probe.exclusiveMove == "link", "\(probe)")
        #expect(probe.filesystemType != "unknown" && probe.missing == nil)
        #expect(probe.sentence.hasPrefix("safe: \(probe.filesystemType) at \(probe.mountPoint) gives exclusive moves by"))
        #expect(fixture.names(Spool.probeDirectory).isEmpty, "left behind: \(fixture.names(Spool.probeDirectory))")
        #expect(fixture.names("new").isEmpty && fixture.names("work").isEmpty)
    }

    @Test func mountPointsAreTheLongestPrefixAndUnescaped() {
        #expect(FilesystemProbe.unescape(#"/mnt/two\040words"#) == "/mnt/two words")
        #expect(FilesystemProbe.unescape("/plain") == "/plain")
        let root = FilesystemProbe.mount(of: "/")
        #expect(root.point == "/" && root.type != "unknown")
        let proc = FilesystemProbe.mount(of: "/proc/self")
        #expect(proc.point == "/proc" && proc.type == "proc", "\(proc)")
    }

    @Test func anUnsafeVerdictNamesTheTypeAndTheMissingProperty() {
        var probe = FilesystemProbe(filesystemType: "fuse.rclone", mountPoint: "/mnt/bucket", verdict: .unsafe)
        probe.missing = "a move that never replaces another file"
        let error = SpoolError.unsafeFilesystem(path: "/mnt/bucket/spool", probe: probe)
        #expect(
            error.description.hasPrefix(
                "the spool /mnt/bucket/spool is on fuse.rclone (mounted at /mnt/bucket), which lacks a move that never replaces another file;"))
        #expect(probe.sentence.hasPrefix("unsafe: fuse.rclone at /mnt/bucket lacks a move that never replaces another file;"))
    }
}
