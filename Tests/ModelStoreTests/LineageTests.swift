// A model's lineage through the store (ModelStore+Lineage): parent by blob, the lenient walk that
// ends at a parent the store lacks, the versions holding a blob, and the data sets of the models.
import Foundation
import ModelStore
import TestSupport
import Testing
import Vocabulary

@Suite struct LineageTests {
    @Test func walksParentsByBlob() throws {
        let (directory, store) = try makeStore()
        defer { withExtendedLifetime(directory) {} }
        var teacherDetails = modelDetails()
        teacherDetails.dataset = DatasetReference(name: "shapes")
        let teacher = try store.publish(modelCheckpoint(seed: 1), as: name("s/teacher"), details: teacherDetails)
        var studentDetails = modelDetails(ModelDetails(kind: .student))
        studentDetails.parent = teacher.blob
        studentDetails.dataset = DatasetReference(name: "shapes")
        let student = try store.publish(modelCheckpoint(seed: 2), as: name("s/student-2"), details: studentDetails)
        var grandchildDetails = modelDetails(ModelDetails(kind: .student))
        grandchildDetails.parent = student.blob
        let grandchild = try store.publish(modelCheckpoint(seed: 3), as: name("s/student-1"), details: grandchildDetails)
        let again = try store.publish(modelCheckpoint(seed: 3), as: name("t/student-1"), details: grandchildDetails)

        #expect(try store.parent(of: grandchild) == student && store.parent(of: teacher) == nil)
        #expect(store.lineage(from: grandchild) == [grandchild, student, teacher])
        #expect(store.holders(of: grandchild.blob) == ["s/student-1@1", "t/student-1@1"] && again.blob == grandchild.blob)
        #expect(store.datasetNames() == ["shapes"])
        let listing = store.listing()
        #expect(listing.map { "\($0.name)@\($0.version)" } == ["s/student-1@1", "s/student-2@1", "s/teacher@1", "t/student-1@1"])
        #expect(listing.allSatisfy { $0.tags == ["latest"] && $0.error == nil } && listing[2].kind == "teacher")

        // A parent the store does not hold ends the lenient walk; asking for it directly is an error.
        var orphanDetails = modelDetails(ModelDetails(kind: .student))
        orphanDetails.parent = Digest.sha256(of: Array("elsewhere".utf8))
        let orphan = try store.publish(modelCheckpoint(seed: 4), as: name("o/student-1"), details: orphanDetails)
        #expect(store.lineage(from: orphan) == [orphan])
        #expect(throws: ModelStoreError.self) { try store.parent(of: orphan) }
    }
}
