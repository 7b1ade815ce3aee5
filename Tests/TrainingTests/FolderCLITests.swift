// The folder pipeline as a user runs it (the built `kac` as a child process): export a few
// Fashion-MNIST images as a folder, add a file that is not an image, train one step on the folder,
// publish — the skipped file is named on standard error, `--strict` refuses the folder with exit
// 65, and the manifest carries the folder's class names, name and pixel digest.
import Foundation
import ModelStore
import TestSupport
import Testing
import Training

@Suite(.serialized) struct FolderCLITests {
    @Test func trainOnAFolderAndPublishItsClassNames() throws {
        let directory = TemporaryDirectory()
        let folder = directory.file("fashion-folder")
        let export = try runKac(["dataset", "export-folder", "--limit", "40", folder])
        #expect(export.status == 0, "\(export.error)")
        let idxDigest = ImageDatasetDigest.digest(of: try FashionMNIST.load(.train, limit: 40))
        #expect(export.error.contains("data digest \(idxDigest)"), "\(export.error)")
        let broken = folder + "/bag/zz-broken.png"
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: broken))

        let common = [
            "--data", folder, "--image-size", "28", "--channels", "1", "--steps", "1", "--batch-size", "4",
            "--width", "8", "--sample-every", "0",
        ]
        let strict = try runKac(["train"] + common + ["--run", directory.file("strict"), "--strict"])
        #expect(strict.status == 65 && strict.error.contains(broken), "\(strict.status) \(strict.error)")

        let run = directory.file("run")
        let train = try runKac(["train"] + common + ["--run", run, "--dataset-name", "fm40"])
        #expect(train.status == 0, "\(train.error)")
        #expect(train.error.contains("skipped \(broken)"), "\(train.error)")
        #expect(train.error.contains("40 images decoded, 1 skipped; data digest \(idxDigest)"), "\(train.error)")

        let zoo = directory.file("zoo")
        let publish = try runKac(["publish", run + "/checkpoint.safetensors", "--name", "fm40/teacher", "--zoo", zoo])
        #expect(publish.status == 0, "\(publish.error)")
        let manifest = try ModelStore(root: zoo, create: false).load("fm40/teacher").manifest
        #expect(manifest.details.classNames == FashionMNIST.classNames)
        #expect(manifest.details.dataset?.name == "fm40")
        #expect(manifest.details.dataset?.digest == idxDigest)
    }
}
