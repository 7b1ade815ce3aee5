// The validator: every kind of bad field is rejected with a message naming the field and what is
// allowed; good files (the published examples among them) round-trip through `jsonBytes()`.
import Foundation
import Spool
import Testing
import Vocabulary

@Suite struct JobValidatorTests {
    let validator = JobValidator()

    @Test func acceptsAFullJobAndResolvesLabels() throws {
        let parsed = try validator.validate(
            job(
                """
                "id": "a1", "model": "fashion:v2", "count": 3, "labels": ["sneaker", 0], "sampler": "rk45", "steps": 20,
                "guidance": 1.5, "seed": 18446744073709551615, "format": "webp", "encodeQuality": 80, "scale": 2,
                "upscale": "lanczos", "grid": true, "priority": -5, "precision": "bf16"
                """))
        #expect(parsed.model == .reference(try ModelReference(parsing: "fashion:v2")))
        #expect(parsed.labels == [.name("sneaker"), .index(0)])
        #expect(parsed.seed == UInt64.max)
        #expect(parsed.format == .webp && parsed.encodeQuality == 80 && parsed.priority == -5)
        #expect(parsed.precision == .bf16)
        #expect(try validator.validate(parsed.jsonBytes()) == parsed)
    }

    @Test func defaultsCycleThroughAllClasses() throws {
        let parsed = try validator.validate(job(#""quality": "fastest", "count": 12"#))
        #expect(parsed.labels == nil)
        #expect(parsed.scale == 1 && parsed.format == .png && parsed.upscale == .nearest && !parsed.grid)
        #expect(parsed.precision == nil, "no precision: the daemon's default")
        #expect(try validator.validate(parsed.jsonBytes()) == parsed)
    }

    /// `dataset` says which data set a preset chooses among; it round-trips and needs a preset.
    @Test func datasetGoesWithPresetsOnly() throws {
        let parsed = try validator.validate(job(#""quality": "fastest", "dataset": "my shapes", "labels": ["golden retriever"]"#))
        #expect(parsed.dataset == (try DatasetName(parsing: "my shapes")) && parsed.labels == [.name("golden retriever")])
        #expect(try validator.validate(parsed.jsonBytes()) == parsed)
        #expect(try validator.validate(job(#""maxSteps": 4, "dataset": "shapes""#)).dataset?.text == "shapes")
        let refusals: [(String, JobValidationError.Code, String)] = [
            (#""model": "shapes/teacher", "dataset": "shapes""#, .conflictingFields, "applies only to \"quality\""),
            (#""quality": "best", "dataset": " shapes""#, .invalidValue, "data set"),
            (#""quality": "best", "dataset": """#, .invalidValue, "data set"),
            (#""quality": "best", "dataset": 3"#, .wrongType, "a string"),
        ]
        for (body, code, message) in refusals {
            #expect {
                try validator.validate(job(body))
            } throws: { error in
                guard let error = error as? JobValidationError else { return false }
                return error.code == code && error.field == "dataset" && error.description.contains(message)
            }
        }
    }

    /// The validator uses the zoo's grammar: what it accepts, `ModelReference(parsing:)` accepts.
    @Test func modelReferenceForms() throws {
        for good in ["kac", "kac:best", "kac@12", "sha256-abcd1234", "ns/kac:stable"] {
            #expect(try validator.validate(job("\"model\": \"\(good)\"")).model == .reference(try ModelReference(parsing: good)))
        }
        for bad in ["", "../x", "a:b:c", "sha256-XYZ", "sha256-abcd", "a b", ":tag", "a@", "kac@1.2", "Fashion/Teacher", "name@x"] {
            #expect(throws: JobValidationError.self, "\(bad)") { try validator.validate(job("\"model\": \"\(bad)\"")) }
        }
    }

    static let badFiles: [(String, JobValidationError.Code, String?, String)] = [
        (#"{"schema": 1, "model": "m", "colour": 3}"#, .unknownField, "colour", "allowed fields"),
        (#"{"schema": 1, "model": "m", "count": "3"}"#, .wrongType, "count", "whole number from 1 to 256"),
        (#"{"schema": 1, "model": "m", "count": 0}"#, .outOfRange, "count", "from 1 to 256"),
        (#"{"schema": 1, "model": "m", "count": 1000}"#, .outOfRange, "count", "from 1 to 256"),
        (#"{"schema": 1, "model": "m", "count": 2.5}"#, .wrongType, "count", "whole number"),
        (#"{"schema": 1, "model": "m", "scale": 9}"#, .outOfRange, "scale", "from 1 to 8"),
        (#"{"schema": 1, "model": "m", "guidance": NaN}"#, .malformedJSON, "guidance", "NaN"),
        (#"{"schema": 1, "model": "m", "guidance": -Infinity}"#, .malformedJSON, "guidance", "Infinity"),
        (#"{"schema": 1, "model": "m", "guidance": 1e999}"#, .outOfRange, "guidance", "from 0.0 to 10.0"),
        (#"{"schema": 1, "model": "m", "seed": -1}"#, .outOfRange, "seed", "from 0 to 18446744073709551615"),
        (#"{"schema": 1, "model": "m", "seed": 18446744073709551616}"#, .outOfRange, "seed", "18446744073709551615"),
        (#"{"schema": 1, "model": "m", "labels": [3, -1]}"#, .outOfRange, "labels[1]", "class index"),
        (#"{"schema": 1, "model": "m", "labels": [3, 1.5]}"#, .outOfRange, "labels[1]", "class index"),
        (#"{"schema": 1, "model": "m", "labels": ["a,b"]}"#, .invalidValue, "labels[0]", "class name"),
        (#"{"schema": 1, "model": "m", "labels": []}"#, .outOfRange, "labels", "at least one"),
        (#"{"schema": 1, "model": "m", "labels": 3}"#, .wrongType, "labels", "must be an array"),
        (#"{"schema": 1, "model": "m", "sampler": "ddim"}"#, .invalidValue, "sampler", "euler, heun, midpoint, ab2, rk45"),
        (#"{"schema": 1, "model": "m", "format": "gif"}"#, .invalidValue, "format", "png, jpeg, webp, tiff"),
        (#"{"schema": 1, "model": "m", "upscale": "bicubic"}"#, .invalidValue, "upscale", "nearest, lanczos"),
        (#"{"schema": 1, "model": "m", "grid": "yes"}"#, .wrongType, "grid", "true or false"),
        (#"{"schema": 1, "model": "m", "precision": "fp16"}"#, .invalidValue, "precision", "fp32, bf16, auto"),
        (#"{"schema": 1, "model": "m", "priority": 5000}"#, .outOfRange, "priority", "-1000 to 1000"),
        (#"{"schema": 1, "model": "m", "encodeQuality": 80}"#, .conflictingFields, "encodeQuality", "jpeg"),
        (#"{"schema": 1, "model": "m", "format": "jpeg", "encodeQuality": 0}"#, .outOfRange, "encodeQuality", "from 1 to 100"),
        (#"{"schema": 1, "maxSteps": 4, "steps": 8}"#, .conflictingFields, "steps", "maxSteps"),
        (#"{"schema": 1, "model": "m", "quality": "best"}"#, .conflictingFields, "quality", "exactly one"),
        (#"{"schema": 1, "count": 2}"#, .missingField, "model", "exactly one"),
        (#"{"schema": 1, "quality": "ultra"}"#, .invalidValue, "quality", "fastest, balanced, best"),
        (#"{"schema": 1, "model": "../../etc/passwd"}"#, .invalidValue, "model", "invalid model reference"),
        (#"{"schema": 1, "id": "../evil", "model": "m"}"#, .invalidValue, "id", "no '/'"),
        (#"{"schema": 1, "id": "x.lease", "model": "m"}"#, .invalidValue, "id", "not ending in .lease"),
        (#"{"model": "m"}"#, .missingField, "schema", "add \"schema\": 1"),
        (#"{"schema": 2, "model": "m"}"#, .unsupportedSchema, "schema", "upgrade kacd"),
        (#"{"schema": 1, "model": "m", "count": 2, "count": 3}"#, .duplicateKey, "count", "duplicate key"),
        (#"{"schema": 1, "model": "m"} {}"#, .malformedJSON, nil, "after the end"),
        (#"{"schema": 1, "model": "m""#, .malformedJSON, nil, "truncated"),
        (#"[1, 2]"#, .notAnObject, nil, "one JSON object"),
        (#"{"schema": 1, "model": "m", "count": 01}"#, .malformedJSON, nil, "leading zeros"),
        (#"{"schema": 1, "model": "m\u0000"}"#, .invalidValue, "model", "invalid model reference"),
        (#"{"schema": 1, "model": "\ud800"}"#, .malformedJSON, nil, "surrogate"),
        (#"{"schema": 1, "model": "m", "x": {"y": {"z": {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}}}}"#, .tooDeep, nil, "deeper than 8"),
    ]

    @Test(arguments: badFiles.indices)
    func rejectsWithFieldAndAllowedValues(index: Int) {
        let (text, code, field, phrase) = Self.badFiles[index]
        do {
            let parsed = try validator.validate(Array(text.utf8))
            Issue.record("accepted \(text) as \(parsed)")
        } catch {
            #expect(error.code == code, "\(text): \(error)")
            if let field { #expect(error.field == field, "\(text): \(error)") }
            #expect(error.description.contains(phrase), "\(text): \(error.description)")
        }
    }

    @Test func rejectsNonUTF8OversizedAndDeepInput() {
        #expect(
            throws: JobValidationError(
                .notUTF8, field: nil, "the file is not valid UTF-8 (first bad byte at offset 23); save it as UTF-8 text")
        ) {
            try validator.validate(Array(#"{"schema": 1, "model":"#.utf8) + [0x22, 0xFF, 0x22, 0x7D])
        }
        let big = job(#""model": "m", "labels": ["# + Array(repeating: "1", count: 40_000).joined(separator: ",") + "]}")
        #expect((try? validator.validate(big)) == nil)
        do { _ = try validator.validate(big) } catch { #expect(error.code == .tooLarge && error.description.contains("at most 65536")) }
        let deep = Array(repeating: UInt8(ascii: "["), count: 100_000)
        do { _ = try validator.validate(Array(#"{"a":"#.utf8) + deep) } catch { #expect(error.code == .tooLarge || error.code == .tooDeep) }
        let limits = SpoolLimits(maximumFileSize: 1 << 20)
        do { _ = try JobValidator(limits: limits).validate(deep) } catch { #expect(error.code == .tooDeep, "\(error)") }
    }

    @Test func publishedExamplesAreValid() throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../spool/examples")
            .standardized
        let names = try FileManager.default.contentsOfDirectory(atPath: examples.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(names == ["balanced.json", "fast-preview.json", "fastest.json", "one-of-each.json", "sneakers.json"])
        for name in names {
            let bytes = try Array(Data(contentsOf: examples.appendingPathComponent(name)))
            let parsed = try validator.validate(bytes)
            #expect(try validator.validate(parsed.jsonBytes()) == parsed, "\(name)")
        }
    }
}
