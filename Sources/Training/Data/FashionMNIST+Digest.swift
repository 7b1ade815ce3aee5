// The content digest of the Fashion-MNIST files a model was trained on, recorded in checkpoints
// and manifests so anyone can check they reproduce a run on the same data.
import Foundation
import ModelStore

extension FashionMNIST {
    /// sha256 over the compressed training images then labels, as the Debian package ships them.
    public static func trainingDigest(directory: String = defaultDirectory) throws -> Digest {
        var hasher = DigestHasher()
        for name in ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"] {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else {
                throw DatasetError.missingFile(path: path, remedy: "install it with: apt-get install dataset-fashion-mnist")
            }
            hasher.update([UInt8](data))
        }
        return hasher.finalize()
    }
}
