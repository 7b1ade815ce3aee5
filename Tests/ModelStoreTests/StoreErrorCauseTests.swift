// A store's I/O error keeps its cause as a value: `kac` exits 77 when the cause is this user being
// refused, decided from the errno or the Foundation code, never from the words of the message.
import Foundation
import ModelStore
import Testing
import Vocabulary

@Suite struct StoreErrorCauseTests {
    @Test func permissionIsReadFromTheCauseNotFromItsWords() {
        #expect(ModelStoreError.io(path: "/z", cause: Reason(errno: EACCES)).isPermissionDenied)
        #expect(ModelStoreError.io(path: "/z", cause: Reason("cannot move the damaged blob aside", errno: EPERM)).isPermissionDenied)
        #expect(ModelStoreError.io(path: "/z", cause: Reason(cause: CocoaError(.fileWriteNoPermission))).isPermissionDenied)
        #expect(!ModelStoreError.io(path: "/z", cause: Reason(errno: ENOSPC)).isPermissionDenied)
        // Words that mention permission are not a refusal (the message used to be matched as text).
        #expect(!ModelStoreError.io(path: "/z", cause: "short read; check the permission bits").isPermissionDenied)
        #expect(!ModelStoreError.noStore(path: "/z").isPermissionDenied)
        // The printed sentence is what it was: the system's words after the path.
        #expect(ModelStoreError.io(path: "/z", cause: Reason(errno: EACCES)).description == "I/O error on /z: Permission denied")
    }

    /// The status `kac` exits with is the error's own: the user's refusal 77 (from the cause, as
    /// above), other I/O 74, a missing model 66, a bad reference 64, damage 65, a refusal 69.
    @Test func eachErrorStatesItsExitStatus() throws {
        #expect(ModelStoreError.io(path: "/z", cause: Reason(errno: EACCES)).exitStatus == .noPermission)
        #expect(ModelStoreError.io(path: "/z", cause: Reason(errno: ENOSPC)).exitStatus == .ioError)
        #expect(ModelStoreError.notFound("a/b", reason: "no model called a/b").exitStatus == .noInput)
        #expect(ModelStoreError.noStore(path: "/z").exitStatus == .noInput)
        #expect(ModelStoreError.invalidReference(ReferenceError(.name, "A B", reason: "it has a space")).exitStatus == .usage)
        #expect(ModelStoreError.corruptBlob(path: "/z/b", reason: "short").exitStatus == .dataError)
        #expect(ModelStoreError.refused("tagged").exitStatus == .unavailable)
        #expect(ModelStoreError.refused("tagged").usageMessage == nil)
    }
}
