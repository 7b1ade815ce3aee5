// A Reason keeps the error behind a failure as a value: callers read its type (not its text), it is
// worded only when printed, and it travels through JSON as those words.
import Foundation
import Testing
import Vocabulary

@Suite struct ReasonTests {
    struct Underlying: Error, CustomStringConvertible {
        let description = "the disk said no"
    }

    @Test func theCauseStaysTypedAndIsWordedOnlyWhenPrinted() throws {
        let reason = Reason("cannot list it", cause: Underlying())
        #expect(reason.cause is Underlying)
        #expect(reason.description == "cannot list it: the disk said no")
        #expect(Reason("cannot list it", cause: Underlying(), joint: .parentheses).description == "cannot list it (the disk said no)")
        #expect(
            Reason("writing failed", cause: Underlying(), joint: .parentheses, then: "; remove it").description
                == "writing failed (the disk said no); remove it")
        #expect(Reason(cause: Underlying()).description == "the disk said no")
        let sentence: Reason = "no model called \("x")"
        #expect(sentence.cause == nil && sentence.description == "no model called x")
    }

    @Test func errnosAndFoundationErrorsReadAsTheSystemSaysThem() throws {
        let denied = Reason("mkdir /x failed", errno: EACCES)
        #expect(denied.description == "mkdir /x failed: Permission denied")
        #expect(denied.isPermissionDenied && Reason(errno: EPERM).isPermissionDenied)
        #expect(!Reason(errno: EIO).isPermissionDenied && !Reason("Permission denied").isPermissionDenied)
        // What Data(contentsOf:) throws for a file this user may not read.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reason-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            _ = try Data(contentsOf: directory.appendingPathComponent("missing"))
            Issue.record("read a missing file")
        } catch {
            let reason = Reason(cause: error)
            #expect(!reason.description.contains("Error Domain"), "\(reason)")
            #expect(!reason.isPermissionDenied)
        }
        #expect(Reason(cause: CocoaError(.fileReadNoPermission)).isPermissionDenied)
    }

    /// Said after the cause, or after the sentence when there is none.
    @Test func appendingKeepsTheCause() {
        let full = Reason("the disk is full", cause: Underlying(), joint: .parentheses, then: "; it waits").appending("; set aside")
        #expect(full.cause is Underlying && full.description == "the disk is full (the disk said no); it waits; set aside")
        #expect(Reason("worker w shut down").appending("; set aside").description == "worker w shut down; set aside")
    }

    @Test func equalWhenWordedAlikeAndEncodedAsWords() throws {
        #expect(Reason(cause: Underlying()) == Reason("the disk said no"))
        #expect(Reason("a") != Reason("b"))
        let data = try JSONEncoder().encode([Reason("x", cause: Underlying())])
        #expect(String(decoding: data, as: UTF8.self) == #"["x: the disk said no"]"#)
        #expect(try JSONDecoder().decode([Reason].self, from: data) == [Reason("x: the disk said no")])
    }
}
