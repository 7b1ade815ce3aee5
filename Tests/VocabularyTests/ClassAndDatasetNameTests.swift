// Class names as output file names (`ClassNames.filePart`) and the data set name grammar.
import Testing
import Vocabulary

@Suite struct ClassAndDatasetNameTests {
    @Test func filePartsAreSafeFileNameCharacters() {
        let classes = ClassNames(["t-shirt", "golden retriever", "café", "../etc", "日本", String(repeating: "x", count: 300)])
        #expect(
            (0..<classes.count).map(classes.filePart(of:)) == [
                "t-shirt", "golden_retriever", "caf_", ".._etc", "class4", String(repeating: "x", count: 40),
            ])
        #expect(
            ClassNames.fashionMNIST.names.indices.allSatisfy {
                ClassNames.fashionMNIST.filePart(of: $0) == ClassNames.fashionMNIST.names[$0]
            })
    }

    @Test func datasetNames() throws {
        for good in ["fashion-mnist", "shapes", "my photos", "chats été", String(repeating: "d", count: 255)] {
            #expect(try DatasetName(parsing: good).text == good)
        }
        for bad in ["", " shapes", "shapes ", "a\nb", "tab\there", String(repeating: "d", count: 256)] {
            #expect(throws: DatasetNameError.self, "\(bad.debugDescription)") { try DatasetName(parsing: bad) }
        }
    }
}
