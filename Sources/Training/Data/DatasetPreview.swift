// `kac dataset inspect --preview`: the decoded images of a data set as the trainer sees them, as a
// contact sheet — one labelled column per class, the first `rows` images of each, mid grey where a
// class has fewer.
import Generation
import Imaging
import TensorCore

/// The decoded images of a data set as a contact sheet: one labelled column per class.
public enum DatasetPreview {
    public static func write(_ dataset: LabeledDataset, rows: Int, to path: String) throws {
        let shape = dataset.sampleShape
        let classCount = dataset.classNames.count
        let size = shape.reduce(1, *)
        let byClass = (0..<classCount).map { label in dataset.labels.indices.filter { dataset.labels[$0] == label }.prefix(rows) }
        var scalars = [Float](repeating: 0, count: rows * classCount * size)  // mid grey where a class has fewer images
        for row in 0..<rows {
            for label in 0..<classCount where row < byClass[label].count {
                let index = byClass[label][byClass[label].startIndex + row]
                let target = (row * classCount + label) * size
                scalars.replaceSubrange(target..<(target + size), with: dataset.samples.scalars[(index * size)..<((index + 1) * size)])
            }
        }
        let samples = Tensor(shape: [rows * classCount] + shape, scalars: scalars)
        // Small images are enlarged so a person can see them (nearest neighbour: the pixels the trainer sees).
        let upscale = max(1, 64 / max(shape[0], 1))
        let sheet = try SampleImages.contactSheet(samples, columns: classCount, columnLabels: dataset.classNames, upscale: upscale)
        try ImageEncoder.write(sheet, as: .png(), to: path)
    }
}
