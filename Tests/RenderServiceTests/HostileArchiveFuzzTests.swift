// The fuzz target for model archives: random structured mutations of a real tiny model's
// archive — manifest fields set to hostile values, tensors renamed, reshaped, dropped or filled
// with non-finite values, bytes flipped — each imported into a validating store. Every archive
// must either be refused with a ModelStoreError, or import and then load and render an image
// (nothing may crash the process or leave a version behind that cannot load). CI runs a few
// dozen rounds (seconds); `KAC_FUZZ_ITERATIONS=5000 scripts/fuzz-hostile.sh` runs it long, and
// `KAC_FUZZ_SEED` replays a run.
import Foundation
import Generation
import ModelStore
import RenderService
import TestSupport
import Testing
import Vocabulary

enum FuzzSettings {
    static var iterations: Int { ProcessInfo.processInfo.environment["KAC_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 24 }
    static var seed: UInt64 { ProcessInfo.processInfo.environment["KAC_FUZZ_SEED"].flatMap(UInt64.init) ?? 26 }
}

@Suite struct HostileArchiveFuzzTests {
    static var hostileValues: [Any] {
        [0, -1, -3, 1, 2, 1e9, 1e308, -1e308, Int.max, Int.min, 0.5, 3, 100_001, 65_536]
            + ["", "unet", "mlp", "\u{1B}[31mred\n", [Any](), [String: Any](), true, NSNull()]
    }

    /// Replaces one value somewhere in the JSON tree, chosen by `random`.
    static func mutate(_ value: Any, random: inout SplitMix64) -> Any {
        if var object = value as? [String: Any], !object.isEmpty {
            let key = object.keys.sorted()[Int(random.next() % UInt64(object.count))]
            if random.next() % 8 == 0 { object.removeValue(forKey: key) } else { object[key] = mutate(object[key] as Any, random: &random) }
            return object
        }
        if var array = value as? [Any], !array.isEmpty, random.next() % 4 != 0 {
            let index = Int(random.next() % UInt64(array.count))
            array[index] = mutate(array[index], random: &random)
            return array
        }
        return hostileValues[Int(random.next() % UInt64(hostileValues.count))]
    }

    @Test func mutatedArchivesAreRefusedOrRender() throws {
        var archives = try HostileArchives()
        var random = SplitMix64(state: FuzzSettings.seed)
        let honest = try archives.archive()
        var (refused, imported) = (0, 0)
        for round in 0..<FuzzSettings.iterations {
            let path: String
            switch random.next() % 3 {
            case 0:
                // A manifest field (the details included) set to a hostile value.
                path = try archives.editing(honest) { manifest in
                    for _ in 0...(random.next() % 3) {
                        manifest = Self.mutate(manifest, random: &random) as? [String: Any] ?? manifest
                    }
                }
            case 1:
                // The weights: a tensor renamed, reshaped, dropped or given a non-finite value.
                var checkpoint = archives.checkpoint
                let index = Int(random.next() % UInt64(checkpoint.tensors.count))
                switch random.next() % 4 {
                case 0: checkpoint.tensors[index].name += ".x"
                case 1:
                    let values = checkpoint.tensors[index].values
                    checkpoint.tensors[index] = NamedTensor(name: checkpoint.tensors[index].name, shape: [values.count], values: values)
                case 2: checkpoint.tensors.remove(at: index)
                default:
                    let values = checkpoint.tensors[index].values
                    checkpoint.tensors[index].values[Int(random.next() % UInt64(values.count))] =
                        [Float.nan, .infinity, -.infinity][Int(random.next() % 3)]
                }
                path = try archives.archive(checkpoint: checkpoint)
            default:
                // Bytes flipped anywhere, the trailer recomputed so the damage reaches the parsers.
                var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: honest)))
                for _ in 0...(random.next() % 4) {
                    let offset = 8 + Int(random.next() % UInt64(bytes.count - 40))
                    bytes[offset] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                }
                bytes = Array(bytes.dropLast(32))
                bytes += Digest.sha256(of: bytes).bytes
                path = archives.directory.file("flipped-\(round).kacmodel")
                try Data(bytes).write(to: URL(fileURLWithPath: path))
            }
            let zoo = TemporaryDirectory(prefix: "kac-fuzz-zoo")
            let store = try HostileArchives.validatingStore(at: zoo.path)
            let manifest: ModelManifest
            do {
                manifest = try store.importArchive(from: path)
            } catch is ModelStoreError {
                refused += 1
                #expect(inventory(store).isEmpty, "round \(round): a refused import left a version")
                continue
            }
            // Imported: it must load and render (one image, one step, whatever its defaults say).
            imported += 1
            let model = try ZooVelocityModel.load(manifest, from: store)
            let renderer = Renderer(model: model, batchSize: 1)
            let out = TemporaryDirectory(prefix: "kac-fuzz-out")
            let report = try renderer.render(try renderer.plan(RenderRequest(count: 1, steps: 1, guidance: 1)), into: out.path)
            #expect(report.rendered == 1, "round \(round)")
        }
        #expect(refused + imported == FuzzSettings.iterations && refused > 0)
    }
}
